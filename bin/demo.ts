// `npm run demo`: the whole job in one command. Starts the local stack in-process (free ports, a throw-away data
// directory), uploads the bundled sample with its config exactly as a user would, waits for the run the upload
// starts, prints the story (screening, final model, VaR/ES, closed-form cross-check, timings), writes the run JSON to
// out/demo-run.json and, when the backtest module is present, backtests the sample out of sample.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { makeDirectories } from '../lambdas/adapters/directories.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { makeS3Client } from '../lambdas/adapters/clients.ts';
import type { RunRecord } from '../lambdas/engine/types.ts';
import { startLocalStack, type LocalStack } from '../lambdas/local/stack.ts';
import { formatFit } from './cli/format.ts';
import { money, pct, table } from './cli/text.ts';
import { formatComparison, runComparison } from './cli/compare.ts';
import { MODEL_NAMES } from '../lambdas/engine/models/index.ts';

const ROOT = new URL('../', import.meta.url);
const SAMPLE = fileURLToPath(new URL('data/tech11.csv', ROOT));
const PORTFOLIO = 'tech11';
const UPLOAD_KEY = `uploads/${PORTFOLIO}/2024-04-30.csv`;
/** the source paper's in-sample window; value = the money amount VaR and ES are also given in */
const CONFIG = { start: '2023-01-03', end: '2024-04-30', value: 1_000_000 };
const OUT_OF_SAMPLE = '2024-05-01:2025-09-25';
const OUT_FILE = fileURLToPath(new URL('out/demo-run.json', ROOT));
const REPORT_FILE = fileURLToPath(new URL('out/demo-report.html', ROOT));

/** two later windows of the same upload, as two later days would run them: three runs on the history page */
const LATER_ENDS = ['2024-05-31', '2024-06-28'];
const HISTORY_DIR = fileURLToPath(new URL('out/demo-reports/', ROOT));

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function formatRisk(run: RunRecord): string {
  const out: string[] = [];
  const sim = run.simulation!;
  const model = run.model!;
  const terms = model.factors.map((f, j) => `${j === 0 ? (model.beta[j] < 0 ? '−' : '') : model.beta[j] < 0 ? ' − ' : ' + '}${Math.abs(model.beta[j]).toFixed(4)}·${f}`);
  out.push(`Factor model: R = ${terms.join('')}   (final OLS, R² ${run.final!.r2.toFixed(4)})`);
  out.push(
    `Monte Carlo: ${sim.simulations.toLocaleString('en-US')} samples of F ~ ${sim.distribution === 't' ? `t(${sim.df})` : 'N(μ, Σ)'}, ` +
      `R = βᵀF, seed ${sim.seed}, ${sim.shards} shard${sim.shards === 1 ? '' : 's'}, horizon ${sim.horizon} day${sim.horizon === 1 ? '' : 's'}`,
  );
  out.push('');
  const levels = Object.keys(run.risk!).sort((a, b) => Number(b) - Number(a));
  out.push(`Value at Risk and Expected Shortfall (one day, portfolio value ${money(run.value)})`);
  out.push(
    ...table(
      ['level', 'VaR', 'ES', 'VaR amount', 'ES amount', '95% CI of VaR'],
      levels.map((k) => {
        const r = run.risk![k];
        return [`${+(Number(k) * 100).toFixed(4)}%`, pct(r.var), pct(r.es), money(r.varValue), money(r.esValue), `${pct(r.ci95[0])} .. ${pct(r.ci95[1])}`];
      }),
    ),
  );
  out.push('');
  out.push('Cross-check against the closed form (normal: VaR = z·√(βᵀΣβ) − βᵀμ, z = Φ⁻¹(level); ES = φ(z)/(1 − level)·√(βᵀΣβ) − βᵀμ)');
  out.push(
    ...table(
      ['level', 'MC VaR', 'closed-form VaR', '(MC − CF)/SE', 'MC ES', 'closed-form ES'],
      levels.map((k) => {
        const r = run.risk![k];
        return [`${+(Number(k) * 100).toFixed(4)}%`, pct(r.var), pct(r.analyticVar), ((r.var - r.analyticVar) / r.standardError).toFixed(2), pct(r.es), pct(r.analyticEs)];
      }),
    ),
  );
  return out.join('\n');
}

async function backtestSection(): Promise<string | undefined> {
  // the backtest belongs to another module: use it when it is there, say nothing when it is not
  if (!existsSync(fileURLToPath(new URL('lambdas/engine/backtest.ts', ROOT))) || !existsSync(fileURLToPath(new URL('bin/cli/backtest.ts', ROOT)))) return undefined;
  try {
    const mod = (await import('./cli/backtest.ts')) as unknown as {
      runBacktest?: (csv: string, opts: Record<string, unknown>) => Promise<unknown>;
      formatBacktest?: (run: unknown) => string;
    };
    if (!mod.runBacktest || !mod.formatBacktest) return undefined;
    const t0 = performance.now();
    const result = await mod.runBacktest(SAMPLE, { inSample: `${CONFIG.start}:${CONFIG.end}`, outOfSample: OUT_OF_SAMPLE });
    return `${mod.formatBacktest(result).trimEnd()}\n(backtest ${seconds(performance.now() - t0)})`;
  } catch (e) {
    return `backtest skipped: ${(e as Error).message}`;
  }
}

async function main(): Promise<number> {
  const t0 = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'varstream-demo-'));
  const stack = await startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, scheduleCron: null });
  const tReady = performance.now();
  const s3 = makeS3Client(stack.env);
  try {
    console.log(`varstream demo: local stack up in ${seconds(tReady - t0)}`);
    console.log(`  S3 ${stack.s3Endpoint}   DynamoDB ${stack.dynamodbEndpoint}   API ${stack.apiUrl}`);
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: `config/${PORTFOLIO}.json`, Body: JSON.stringify(CONFIG), ContentType: 'application/json' }));
    const put = await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: UPLOAD_KEY, Body: readFileSync(SAMPLE), ContentType: 'text/csv' }));
    const tUploaded = performance.now();
    console.log(`  uploaded data/tech11.csv → s3://${stack.bucket}/${UPLOAD_KEY} with config/${PORTFOLIO}.json = ${JSON.stringify(CONFIG)}`);

    const runId = stack.uploadRunId(UPLOAD_KEY, put.ETag!);
    await stack.waitForRun(runId, 60_000);
    // read it back the way a client would: over the HTTP API
    const res = await fetch(`${stack.apiUrl}/runs/${runId}`);
    const run = (await res.json()) as RunRecord;
    const tDone = performance.now();
    console.log(`  run ${runId} ${run.status} ${seconds(tDone - tUploaded)} after the upload (GET /runs/${runId} → ${res.status})`);
    console.log('');
    makeDirectories(fileURLToPath(new URL('out/', ROOT)));
    await writeFile(OUT_FILE, JSON.stringify(run, null, 2) + '\n');
    if (run.status !== 'SUCCEEDED') {
      console.error(`run ${run.status}: ${run.error}`);
      return 1;
    }

    const fit = { ...run } as unknown as Parameters<typeof formatFit>[0];
    console.log(formatFit(fit, { vifThreshold: 10, pValueThreshold: 0.05, r2Threshold: 0.8 }).trimEnd());
    console.log('');
    console.log(formatRisk(run));
    console.log('');
    const t = run.timings ?? {};
    console.log(
      `Timings: stack start ${seconds(tReady - t0)}, upload → SUCCEEDED ${seconds(tDone - tUploaded)} ` +
        `(read ${(t.readMs ?? 0).toFixed(0)} ms, fit ${(t.fitMs ?? 0).toFixed(0)} ms, reduce ${(t.reduceMs ?? 0).toFixed(0)} ms)`,
    );
    console.log(`Run JSON: ${OUT_FILE}`);
    // the report the pipeline wrote to reports/<runId>.html, fetched the way a client would
    const reportUrl = (run as RunRecord & { reportUrl?: string }).reportUrl;
    if (reportUrl) {
      const report = await fetch(stack.apiUrl + reportUrl);
      await writeFile(REPORT_FILE, await report.text());
      console.log(`Report:   ${REPORT_FILE} (GET ${reportUrl} → ${report.status}, s3://${stack.bucket}/${run.reportKey})`);
    }

    const bt = await backtestSection();
    if (bt) {
      console.log('');
      console.log(bt);
    }
    console.log('');
    console.log(await historySection(stack, s3, runId));
    // then every model on the same out-of-sample days (README "Model comparison"); after the HTTP calls, so no
    // kept-alive socket to the stack idles through its seconds of CPU
    console.log('');
    console.log(formatComparison(await runComparison(SAMPLE, { inSample: `${CONFIG.start}:${CONFIG.end}`, outOfSample: OUT_OF_SAMPLE, models: MODEL_NAMES.join(',') })).trimEnd());
    console.log('');
    console.log(`demo done in ${seconds(performance.now() - t0)}`);
    return 0;
  } finally {
    s3.destroy();
    await stack.stop();
  }
}

/**
 * Re-runs the upload for LATER_ENDS over POST /runs, then copies the bucket's reports/ (the history page and the three
 * reports it links to) to out/demo-reports/, so the page still opens, links included, once the stack has stopped.
 */
async function historySection(stack: LocalStack, s3: S3Client, firstRunId: string): Promise<string> {
  const runIds = [firstRunId];
  for (const end of LATER_ENDS) {
    const res = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ portfolioId: PORTFOLIO, key: UPLOAD_KEY, settings: { end } }) });
    const { runId } = (await res.json()) as { runId: string };
    const done = await stack.waitForRun(runId, 60_000);
    if (done.status !== 'SUCCEEDED') return `history: the run to ${end} ${done.status}: ${done.error}`;
    runIds.push(runId);
  }
  const get = async (key: string) => (await s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }))).Body!.transformToString();
  makeDirectories(`${HISTORY_DIR}${PORTFOLIO}`);
  for (const id of runIds) await writeFile(`${HISTORY_DIR}${id}.html`, await get(`reports/${id}.html`));
  const page = `${HISTORY_DIR}${PORTFOLIO}/index.html`;
  await writeFile(page, await get(`reports/${PORTFOLIO}/index.html`));
  return [
    `History: ${runIds.length} runs of ${PORTFOLIO} (windows ending ${CONFIG.end}, ${LATER_ENDS.join(', ')}), stored at s3://${stack.bucket}/reports/${PORTFOLIO}/index.html`,
    `  while the stack runs: ${stack.apiUrl}/portfolios/${PORTFOLIO}/history (JSON with Accept: application/json; ${stack.apiUrl}/ lists the portfolios)`,
    `  kept offline:         file://${page}`,
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`varstream demo: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
