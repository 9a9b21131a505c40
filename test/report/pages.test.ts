// The report and the history page as a risk manager opens them: the local stack after three uploads of one portfolio
// (data to three dates), pages fetched over the HTTP API and opened in Debian's Chromium. Checks the subject, the
// summary numbers against the run JSON, every chart and its title, the first screen at 1280×800, print-to-PDF page
// counts and the console; screenshots and PDFs land in out/.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Browser, Page } from 'playwright-core';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import type { RunRecord } from '../../lambdas/engine/types.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';
import { CHROMIUM_SKIP_MESSAGE, hasChromium, launchBrowser } from '../support/browser.ts';

const ROOT = new URL('../../', import.meta.url);
const OUT = new URL('out/', ROOT).pathname;
const LINES = readFileSync(new URL('data/tech11.csv', ROOT), 'utf-8').trim().split('\n');
const PORTFOLIO = 'tech11';
const CONFIG = { start: '2023-01-03', value: 1_000_000, currency: 'USD' };
/** three uploads: the sample cut at three month ends */
const DATES = ['2024-02-29', '2024-03-28', '2024-04-30'];
const hasPdfInfo = await promisify(execFile)('pdfinfo', ['-v']).then(() => true, () => false);

let stack: LocalStack;
let s3: S3Client;
let browser: Browser;
const runs: RunRecord[] = [];

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
const pp = (x: number) => {
  const v = Number((x * 100).toFixed(2));
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(2)} pp`;
};
const money = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0, minimumFractionDigits: 0 });

async function openPage(url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request failed ${r.url()}`));
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
  return page;
}

async function charts(page: Page) {
  return page.$$eval('figure.chart', (figs) =>
    figs.map((f) => {
      const svg = f.querySelector('svg')!;
      const box = svg.getBoundingClientRect();
      return { id: f.id, title: svg.querySelector('title')?.textContent ?? '', width: box.width, height: box.height, shapes: svg.querySelectorAll('polyline, rect, circle, line, polygon').length };
    }),
  );
}

/** Prints to a PDF (A4 or Letter) and returns its page count (pdfinfo), rendering the pages to PNG for a look. */
async function printPdf(page: Page, name: string, format: 'A4' | 'Letter' = 'A4'): Promise<number> {
  const file = `${OUT}${name}.pdf`;
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: file, format, printBackground: true });
  await page.emulateMedia({ media: 'screen' });
  const { stdout } = await promisify(execFile)('pdfinfo', [file]);
  await promisify(execFile)('pdftoppm', ['-png', '-r', '50', file, `${OUT}${name}-pdf`]).catch(() => undefined);
  return Number(/Pages:\s+(\d+)/.exec(stdout)?.[1]);
}

describe.skipIf(!hasChromium)('report and history page in Chromium, from the local stack', () => {
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    const dataDir = await mkdtemp(join(tmpdir(), 'varstream-pages-'));
    [stack, browser] = await Promise.all([
      startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, logLevel: 'SILENT' }),
      launchBrowser(),
    ]);
    s3 = makeS3Client(stack.env);
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: `config/${PORTFOLIO}.json`, Body: JSON.stringify(CONFIG) }));
    // one upload after the other, as days pass: each run's report compares with the one before
    for (const date of DATES) {
      const key = `uploads/${PORTFOLIO}/${date}.csv`;
      const body = [LINES[0], ...LINES.slice(1).filter((l) => l.slice(0, 10) <= date)].join('\n') + '\n';
      const put = await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
      const done = await stack.waitForRun(stack.uploadRunId(key, put.ETag!), 60_000);
      expect(done.status, done.error).toBe('SUCCEEDED');
      runs.push((await (await fetch(`${stack.apiUrl}/runs/${done.runId}`)).json()) as RunRecord);
    }
  }, 120_000);

  afterAll(async () => {
    s3?.destroy();
    await browser?.close();
    await stack?.stop();
  });

  it('the report names its subject and leads with the numbers of the run JSON, on the first screen', async () => {
    const [, prev, run] = runs;
    const errors: string[] = [];
    const page = await openPage(`${stack.apiUrl}${(run as RunRecord & { reportUrl: string }).reportUrl}`, errors);
    const header = await page.textContent('header#subject');
    expect(header).toContain(`Portfolio ${PORTFOLIO} · 2024-04-30`);
    expect(header).toContain(`s3://${stack.bucket}/uploads/${PORTFOLIO}/2024-04-30.csv`);
    expect(header).toContain(`ETag ${run.input.etag}`);
    expect(header).toContain(`${run.observations} daily returns, 2023-01-03 … 2024-04-30`);
    expect(header).toContain(run.runId);
    expect(header).toContain(`${run.createdAt.slice(0, 19).replace('T', ' ')} UTC`);
    expect(header).toContain(`Seed${run.simulation!.seed}`);
    expect(header).toContain(`varstream ${JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf-8')).version}`);
    expect(header).toContain('currency USD');

    // the summary box: every level's VaR/ES in percent and USD, and the change against the previous run
    expect(await page.$$eval('#summary-risk thead th', (t) => t.map((x) => x.textContent))).toEqual(['Level', 'VaR', 'ES', 'VaR (USD)', 'ES (USD)', 'VaR vs previous', 'ES vs previous']);
    const rows = await page.$$eval('#summary-risk tbody tr', (trs) => trs.map((tr) => [tr.getAttribute('data-level'), ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    expect(rows.map((r) => r[0])).toEqual(['0.99', '0.975', '0.95']);
    for (const [level, v, es, vMoney, esMoney, dv, des] of rows) {
      const r = run.risk![level!], p = prev.risk![level!];
      expect([v, es, vMoney, esMoney, dv, des]).toEqual([pct(r.var), pct(r.es), money(r.varValue!), money(r.esValue!), pp(r.var - p.var), pp(r.es - p.es)]);
    }
    expect(await page.textContent('#summary')).toContain(`previous run ${prev.runId}`);
    const warnings = await page.$$eval('#warnings li:not(.none)', (li) => li.map((x) => x.textContent));
    for (const w of run.warnings!) expect(warnings).toContain(w);

    // every chart, with its title
    const found = await charts(page);
    expect(found.map((c) => [c.id, c.title])).toEqual([
      ['chart-distribution', 'Simulated return distribution'],
      ['chart-lasso', 'LASSO coefficient paths'],
      ['chart-cv', 'LASSO cross-validation error'],
      ['chart-qq', 'Residual Q–Q plot'],
      ['chart-attribution', 'Risk attribution by factor'],
    ]);
    for (const c of found) expect(c.shapes, c.id).toBeGreaterThan(5);
    expect(await page.textContent('#chart-distribution')).toContain('% of samples per');
    // a verdict under every detail section that has one
    expect(await page.$$eval('section .verdict', (v) => v.length)).toBeGreaterThanOrEqual(6);

    // first screen: portfolio, date, VaR/ES and the warnings without scrolling
    const bottoms = await page.$$eval(['#portfolio-id', 'h1', '#summary-risk', '#warnings'].join(','), (els) => els.map((e) => e.getBoundingClientRect().bottom));
    for (const b of bottoms) expect(b).toBeLessThanOrEqual(800);
    await page.screenshot({ path: `${OUT}report-first-screen.png` });
    await page.screenshot({ path: `${OUT}report-full.png`, fullPage: true });
    if (hasPdfInfo) {
      const pages = await printPdf(page, 'report');
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(pages).toBeLessThanOrEqual(3);
      expect(await printPdf(page, 'report-letter', 'Letter')).toBeLessThanOrEqual(3);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the first report says there is no previous run; a report links nowhere outside itself', async () => {
    const html = await (await fetch(`${stack.apiUrl}/runs/${runs[0].runId}/report`)).text();
    expect(html).toContain('No previous run of this portfolio');
    expect(html).not.toMatch(/<script|https?:\/\/|@import|url\((?!#)/i);
  });

  it('the history page shows the three runs over time, realized returns and links to each report', async () => {
    const errors: string[] = [];
    const page = await openPage(`${stack.apiUrl}/portfolios/${PORTFOLIO}/history`, errors);
    expect(await page.textContent('h1')).toBe(`Portfolio ${PORTFOLIO} · 3 runs`);
    // the latest numbers against the run before and the newest run at least 28 days older (here both: 2024-03-28)
    const latest = await page.$$eval('#latest tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const [, second, third] = runs;
    expect(latest).toEqual(['0.99', '0.975', '0.95'].map((k) => {
      const r = third.risk![k], d = pp(r.var - second.risk![k].var);
      return [pct(r.var), pct(r.es), money(r.varValue!), d, d];
    }));
    const found = await charts(page);
    expect(found.map((c) => [c.id, c.title])).toEqual([
      ['chart-var-history', 'VaR and ES over the runs'],
      ['chart-attribution-history', 'Factor attribution over time'],
      ['chart-realized', 'Realized next-day returns against −VaR'],
    ]);
    // one point per run, level and measure; the two older runs have their next day in a later upload
    expect(await page.locator('#chart-var-history circle.point').count()).toBe(3 * 3 * 2);
    expect(await page.locator('#chart-realized circle.realized').count()).toBe(2);
    // the run table, newest first, each run's VaR as in its JSON, each linking to its report
    const table = await page.$$eval('#runs-table tbody tr', (trs) => trs.map((tr) => [tr.querySelector('a')?.title, ...[...tr.querySelectorAll('td')].map((td) => td.textContent)]));
    expect(table.map((r) => r[0])).toEqual([...runs].reverse().map((r) => r.runId));
    expect(table.map((r) => r[5])).toEqual([...runs].reverse().map((r) => `${pct(r.risk!['0.99'].var)} / ${pct(r.risk!['0.99'].es)}`));
    // the realized return of the first run is the return of 2024-03-01 in the sample
    const march1 = Number(LINES.find((l) => l.startsWith('2024-03-01'))!.split(',')[1]);
    expect(table[2][table[2].length - 2]).toContain(pct(march1));
    await page.screenshot({ path: `${OUT}history-first-screen.png` });
    await page.screenshot({ path: `${OUT}history-full.png`, fullPage: true });
    if (hasPdfInfo) {
      const pages = await printPdf(page, 'history');
      expect(pages).toBeGreaterThanOrEqual(1);
      expect(pages).toBeLessThanOrEqual(3);
    }
    await page.click(`#runs-table a[title="${runs[1].runId}"]`);
    expect(await page.textContent('h1')).toBe(`Portfolio ${PORTFOLIO} · 2024-03-28`);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('answers the history as JSON, stores the page in the bucket, and GET / lists the portfolio', async () => {
    const res = await fetch(`${stack.apiUrl}/portfolios/${PORTFOLIO}/history`, { headers: { accept: 'application/json' } });
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as { runs: Array<{ runId: string; risk: Record<string, { var: number }>; realized?: { date: string } }> };
    expect(body.runs.map((r) => r.runId)).toEqual(runs.map((r) => r.runId));
    expect(body.runs.map((r) => r.risk['0.99'].var)).toEqual(runs.map((r) => r.risk!['0.99'].var));
    expect(body.runs.map((r) => r.realized?.date)).toEqual(['2024-03-01', '2024-04-01', undefined]);
    expect((await fetch(`${stack.apiUrl}/portfolios/nobody/history`)).status).toBe(404);

    const stored = await (await fetch(`${stack.s3Endpoint}/${stack.bucket}/reports/${PORTFOLIO}/index.html`)).text();
    expect(stored).toContain(`Portfolio <span id="portfolio-id">${PORTFOLIO}</span> · 3 runs`);
    expect(stored).toContain(`href="../${runs[2].runId}.html"`);

    const errors: string[] = [];
    const page = await openPage(`${stack.apiUrl}/`, errors);
    const row = await page.$$eval('#portfolios tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    expect(row).toEqual([[PORTFOLIO, `${runs[2].createdAt.slice(0, 19).replace('T', ' ')} UTC`, '2024-04-30', `99%: ${pct(runs[2].risk!['0.99'].var)}`, pct(runs[2].risk!['0.99'].es), money(runs[2].risk!['0.99'].varValue!)]]);
    await page.click(`#portfolios a`);
    expect(await page.textContent('h1')).toBe(`Portfolio ${PORTFOLIO} · 3 runs`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

if (!hasChromium) {
  describe('report and history page in Chromium', () => {
    it.skip(CHROMIUM_SKIP_MESSAGE, () => {});
  });
}
