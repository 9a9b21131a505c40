import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import type { Browser } from 'playwright-core';
import { analyticMoments } from '../../lambdas/report/distribution-chart.ts';
import { renderReport, type Histogram } from '../../lambdas/report/report.ts';
import { backtest, type BacktestSeries } from '../../lambdas/engine/backtest.ts';
import type { FitResult, RunResult } from '../../lambdas/engine/types.ts';
import { CHROMIUM_SKIP_MESSAGE, hasChromium, launchBrowser } from '../support/browser.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const LEVELS = [0.99, 0.975, 0.95];
const N = 20_000;

// The statsmodels/sklearn reference fit of the bundled sample (scripts/make_fixtures.py), in-sample 2023-01-03 … 2024-04-30.
const reference = JSON.parse(readFileSync(`${root}test/fixtures/reference/tech11.json`, 'utf8'));

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A realistic run: the reference fit, the closed-form normal VaR/ES/Euler attribution of its model, and N Monte Carlo
 * samples of R = βᵀF (drawn here as the equivalent univariate normal) for the empirical VaR/ES and the histogram.
 */
function buildRun(): { run: RunResult; histogram: Histogram } {
  const e = reference.expected;
  const fit: FitResult = {
    observations: e.full.observations,
    window: { start: reference.dates[0], end: reference.dates[reference.dates.length - 1] },
    portfolio: reference.portfolio,
    candidates: reference.candidates,
    full: e.full,
    screening: e.screening,
    selected: e.selected,
    final: e.final,
    adequate: e.adequate,
    warnings: [],
    lasso: {
      alphas: e.lasso.alphas,
      coefficients: e.lasso.coefficients,
      cvAlpha: e.lasso.cvAlpha,
      cvSelected: e.lasso.cvSelected,
      alpha1se: e.lasso.alpha1se,
      selected1se: e.lasso.selected1se,
      cvMse: e.lasso.cvMse,
      cvMseSe: e.lasso.cvMseSe,
    },
  };
  const model = e.model;
  const simulation = { simulations: N, shards: 4, seed: 7, distribution: 'normal' as const, df: null, residual: 'none' as const, intercept: false, horizon: 1 };
  const { mean, sd } = analyticMoments(model, simulation);
  const rand = mulberry32(7);
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - rand())), t = 2 * Math.PI * rand();
    samples[i] = mean + sd * r * Math.cos(t);
    if (i + 1 < N) samples[i + 1] = mean + sd * r * Math.sin(t);
  }
  const sorted = Float64Array.from(samples).sort();
  const edges = Array.from({ length: 101 }, (_, i) => mean - 6 * sd + (12 * sd * i) / 100);
  const counts = new Array(100).fill(0);
  for (const s of samples) counts[Math.min(99, Math.max(0, Math.floor(((s - edges[0]) / (12 * sd)) * 100)))]++;
  const sigmaBeta = model.cov.map((row: number[]) => row.reduce((acc: number, v: number, j: number) => acc + v * model.beta[j], 0));
  const risk: RunResult['risk'] = {};
  const attribution: RunResult['attribution'] = {};
  for (const level of LEVELS) {
    const q = 1 - level, k = Math.floor(q * N);
    const tail = sorted.subarray(0, k);
    const v = -sorted[k - 1];
    const z = normalQuantile(level, 0, 1);
    const esZ = normalPdf(z, 0, 1) / q;
    const se = Math.sqrt(q * (1 - q) / N) / normalPdf(-z, 0, 1) * sd;
    risk[String(level)] = {
      quantile: q,
      var: v,
      es: -tail.reduce((a, b) => a + b, 0) / k,
      analyticVar: -mean + z * sd,
      analyticEs: -mean + esZ * sd,
      standardError: se,
      ci95: [v - 1.96 * se, v + 1.96 * se],
    };
    if (level === 0.99) {
      model.factors.forEach((f: string, i: number) => {
        attribution[f] = {
          componentVar: -model.beta[i] * model.mu[i] + (z * model.beta[i] * sigmaBeta[i]) / sd,
          componentEs: -model.beta[i] * model.mu[i] + (esZ * model.beta[i] * sigmaBeta[i]) / sd,
        };
      });
    }
  }
  const run: RunResult = {
    ...fit,
    model,
    simulation,
    risk,
    attribution,
    stress: [{ shock: { XLK: -0.05 }, direct: model.beta[0] * -0.05, conditional: -0.055, factors: { XLK: -0.05, MTUM: -0.029, VLUE: -0.023 } }],
    timings: { fitMs: 40, simulateMs: 120 },
  };
  return { run, histogram: { edges, counts } };
}

/** Out-of-sample days of the bundled sample with the run's constant VaR per level. */
function buildBacktest(run: RunResult) {
  const lines = readFileSync(`${root}data/tech11.csv`, 'utf8').trim().split('\n').slice(1);
  const rows = lines.map((l) => l.split(',')).filter((r) => r[0] >= '2024-05-01');
  const series: BacktestSeries = {
    dates: rows.map((r) => r[0]),
    returns: rows.map((r) => Number(r[1])),
    var: Object.fromEntries(LEVELS.map((l) => [String(l), rows.map(() => run.risk[String(l)].var)])),
  };
  const result = backtest({ dates: series.dates, values: series.returns }, series.var, LEVELS, { inSample: { ...run.window, observations: run.observations } });
  return { ...result, series };
}

const { run, histogram } = buildRun();
const bt = buildBacktest(run);

describe('renderReport (HTML text)', () => {
  it('builds a realistic run: the empirical VaR sits within its CI of the closed form', () => {
    for (const level of LEVELS) {
      const r = run.risk[String(level)];
      expect(Math.abs(r.var - r.analyticVar)).toBeLessThan(4 * r.standardError);
      expect(r.es).toBeGreaterThan(r.var);
    }
    const total = Object.values(run.attribution).reduce((s, a) => s + a.componentVar, 0);
    expect(total).toBeCloseTo(run.risk['0.99'].analyticVar, 12);
    expect(bt.outOfSample).toMatchObject({ start: '2024-05-01', end: '2025-09-25', observations: 352 });
  });

  it('holds every section and chart, with no script and no external reference', () => {
    const html = renderReport(run, { histogram, backtest: bt });
    for (const id of ['chart-distribution', 'chart-lasso', 'chart-cv', 'chart-qq', 'chart-attribution', 'chart-backtest']) {
      expect(html).toContain(`<figure class="chart" id="${id}">`);
    }
    expect(html.match(/<svg /g)?.length).toBe(6);
    expect(html.match(/<title id="/g)?.length).toBe(6);
    expect(html.match(/<figcaption>/g)?.length).toBe(6);
    expect(html).not.toMatch(/<script|https?:\/\/|@import|url\((?!#)/i);
    expect(html).toContain('<meta name="viewport"');
    expect(html).toContain('@media print');
    // screening decisions from the reference fit
    expect(html).toContain('dropped step 1: VIF 54.11');
    expect(html).toContain('dropped step 2: VIF 14.55');
    expect(html).toContain('dropped step 3: p 0.6147');
    expect(html).toContain('dropped step 4: p 0.4739');
    expect(html.match(/<span class="ok">kept<\/span>/g)?.length).toBe(3);
    // the histogram's counts are drawn: one rect per non-empty bin is at most 100
    expect(html).toContain(`simulated (${N.toLocaleString('en-US')})`);
    expect(html).toContain(`${bt.levels['0.99'].exceptions} / 352`);
  });

  it('renders without a histogram (closed-form density only) and without a backtest', () => {
    const html = renderReport(run);
    expect(html).toContain('no histogram');
    expect(html).not.toContain('chart-backtest');
    expect(html).not.toContain('class="bar"');
  });

  it('overlays the Student t where the closed form is a t (one day, no residual), the t + residual mixture with a residual', () => {
    const t: RunResult = { ...run, simulation: { ...run.simulation, distribution: 't', df: 5 } };
    expect(renderReport(t)).toContain('closed form (t, 5 df)');
    const tResidual: RunResult = { ...t, simulation: { ...t.simulation, residual: 'normal' } };
    expect(renderReport(tResidual)).toContain('closed form (t, 5 df, + normal residual)');
    // residual and intercept lines in the attribution get their own bars
    const withParts: RunResult = { ...run, attribution: { ...run.attribution, residual: { componentVar: 0.004, componentEs: 0.005 }, intercept: { componentVar: -0.0007, componentEs: -0.0007 } } };
    const html = renderReport(withParts);
    expect(html).toContain('>residual</text>');
    expect(html).toContain('>intercept</text>');
  });

  it('escapes every name from the data', () => {
    const evil = '<img src=x onerror=alert(1)>&"\'';
    const r: RunResult = structuredClone(run);
    r.portfolio = evil;
    r.candidates = [...r.candidates, evil];
    r.full.vif[evil] = 3;
    r.lasso.coefficients[evil] = r.lasso.alphas.map(() => 0);
    r.attribution[evil] = { componentVar: 0.001, componentEs: 0.002 };
    r.warnings = [evil];
    const html = renderReport(r);
    expect(html).not.toContain('<img');
    expect(html).not.toContain(evil);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;&amp;&quot;&#39;');
  });
});

describe.skipIf(!hasChromium)('renderReport in chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('draws every chart offline with no console error and no request leaving the page', async () => {
    mkdirSync(`${root}out`, { recursive: true });
    const file = `${root}out/report.html`;
    writeFileSync(file, renderReport(run, { histogram, backtest: bt }));
    const url = pathToFileURL(file).href;
    const page = await browser.newPage({ viewport: { width: 1024, height: 800 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => r.url() !== url && requests.push(r.url()));
    await page.goto(url);
    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg')!;
        const box = svg.getBoundingClientRect();
        return {
          id: f.id,
          title: svg.querySelector('title')?.textContent ?? '',
          caption: f.querySelector('figcaption')?.textContent ?? '',
          width: box.width,
          height: box.height,
          shapes: svg.querySelectorAll('polyline, rect, circle, line, polygon').length,
          name: svg.getAttribute('aria-labelledby'),
        };
      }),
    );
    expect(charts.map((ch) => ch.id)).toEqual(['chart-distribution', 'chart-lasso', 'chart-cv', 'chart-qq', 'chart-attribution', 'chart-backtest']);
    for (const ch of charts) {
      expect(ch.title.length, ch.id).toBeGreaterThan(5);
      expect(ch.caption.length, ch.id).toBeGreaterThan(20);
      expect(ch.width, ch.id).toBeGreaterThan(300);
      expect(ch.height, ch.id).toBeGreaterThan(150);
      expect(ch.shapes, ch.id).toBeGreaterThan(5);
    }
    // the Q–Q plot draws one point per residual, the backtest one marker per day breaching any level
    expect(await page.locator('#chart-qq circle.dot').count()).toBe(run.final.qq.length);
    const anyBreach = bt.series.returns.filter((r, i) => LEVELS.some((l) => r < -bt.series.var[String(l)][i])).length;
    expect(await page.locator('#chart-backtest circle.exception').count()).toBe(anyBreach);
    await page.screenshot({ path: `${root}out/report.png`, fullPage: true });

    // a phone: nothing wider than the screen except inside the scrollable table wrappers
    await page.setViewportSize({ width: 390, height: 844 });
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    const phoneWidth = await page.$eval('#chart-lasso svg', (s) => s.getBoundingClientRect().width);
    expect(phoneWidth).toBeLessThanOrEqual(390);
    expect(phoneWidth).toBeGreaterThan(300);
    await page.screenshot({ path: `${root}out/report-phone.png`, fullPage: false });

    // print on A4 (794 CSS px wide): every chart stays visible and within the page width
    await page.setViewportSize({ width: 794, height: 1123 });
    await page.emulateMedia({ media: 'print' });
    const printed = await page.$$eval('figure.chart svg', (s) => s.map((x) => x.getBoundingClientRect()).map((b) => [b.width, b.height]));
    for (const [w, h] of printed) {
      expect(w).toBeLessThanOrEqual(794);
      expect(h).toBeGreaterThan(100);
    }

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await page.close();
  });
});

if (!hasChromium) {
  describe('renderReport in chromium', () => {
    it.skip(CHROMIUM_SKIP_MESSAGE, () => {});
  });
}
