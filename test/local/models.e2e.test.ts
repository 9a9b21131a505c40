// The risk models through the local stack, from an upload: config/<portfolioId>.json {"model": "ewma"} ends SUCCEEDED
// with the EWMA numbers (its analyticVar is forecastDay's ewma VaR for the day after the window, the CLI's JSON is the
// same), hs/fhs runs end SUCCEEDED with their exact enumeration from an upload, the schedule and POST /runs, and
// POST /runs refuses a bad model (400).
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { forecastDay, fittedOf, historyOf } from '../../lambdas/engine/models/index.ts';
import type { RunRecord } from '../../lambdas/engine/types.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';

const CSV = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8');
const WINDOW = { start: '2023-01-03', end: '2024-04-30' };
let stack: LocalStack;
let s3: S3Client;

async function put(key: string, body: string): Promise<string> {
  return (await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }))).ETag!;
}

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'varstream-models-'));
  stack = await startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, portfolios: ['hs11'], logLevel: 'SILENT' });
  s3 = makeS3Client(stack.env);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

describe('models through the local stack', () => {
  it('an upload with config {"model": "ewma"} ends SUCCEEDED with the EWMA forecast of the day after the window', async () => {
    await put('config/ewma11.json', JSON.stringify({ ...WINDOW, model: 'ewma', seed: 7, simulations: 20_000, bootstrap: 20 }));
    const key = 'uploads/ewma11/2024-04-30.csv';
    const record = await stack.waitForRun(stack.uploadRunId(key, await put(key, CSV)), 60_000);
    expect(record.error).toBeUndefined();
    expect(record.status).toBe('SUCCEEDED');
    const run = (await (await fetch(`${stack.apiUrl}/runs/${record.runId}`)).json()) as RunRecord;
    expect(run.simulation).toMatchObject({ model: 'ewma', lambda: 0.94, residual: 'normal', intercept: false, bootstrap: 20 });
    // the bootstrap interval sits beside the Monte Carlo one
    const [lo, hi] = run.risk!['0.99'].bootstrapCi95!;
    expect(lo).toBeLessThan(hi);

    // the same forecast, in process: the whole history up to the window's end, betas of the window
    const all = await readReturns(createReadStream('data/tech11.csv'), 'data/tech11.csv', { portfolio: 'portfolio', prices: false, log: false, end: WINDOW.end });
    const history = historyOf(all, run.model!.factors);
    const fitted = fittedOf(run.model!, history, WINDOW.start, WINDOW.end);
    const f = forecastDay('ewma', history, fitted, { lambda: 0.94 }, [0.99, 0.975, 0.95]);
    for (const c of ['0.99', '0.975', '0.95']) {
      expect(Math.abs(run.risk![c].analyticVar / f.var[c] - 1)).toBeLessThan(1e-12);
      expect(Math.abs(run.risk![c].analyticEs / f.es[c] - 1)).toBeLessThan(1e-12);
      expect(run.risk![c].analytic).toBe('exact');
      // the Monte Carlo number is within 4 standard errors of its own model's exact value
      expect(Math.abs(run.risk![c].var - f.var[c])).toBeLessThan(4 * run.risk![c].standardError);
    }
    // the EWMA forecast is not the paper's static one
    const normal = forecastDay('normal', history, fitted, { lambda: 0.94 }, [0.99]);
    expect(Math.abs(f.var['0.99'] - normal.var['0.99'])).toBeGreaterThan(1e-3);
    // component VaRs (with the residual row) sum to the model's own VaR
    const parts = Object.values(run.attribution!).reduce((s, a) => s + a.componentVar, 0);
    expect(Object.keys(run.attribution!)).toContain('residual');
    expect(Math.abs(parts - run.risk!['0.99'].analyticVar)).toBeLessThan(1e-14);
  });

  it('hs from an upload and fhs from POST /runs end SUCCEEDED with the exact enumeration; a too-long lookback ends FAILED naming it', async () => {
    await put('config/hs11.json', JSON.stringify({ ...WINDOW, model: 'hs', shards: 3 }));
    const key = 'uploads/hs11/2024-04-30.csv';
    const record = await stack.waitForRun(stack.uploadRunId(key, await put(key, CSV)), 60_000);
    expect(record.error).toBeUndefined();
    expect(record.status).toBe('SUCCEEDED');
    const run = (await (await fetch(`${stack.apiUrl}/runs/${record.runId}`)).json()) as RunRecord;
    expect(run.simulation).toMatchObject({ model: 'hs', lookback: 250, simulations: 250, exact: true });
    expect(run.model).not.toHaveProperty('scenarios');
    const all = await readReturns(createReadStream('data/tech11.csv'), 'data/tech11.csv', { portfolio: 'portfolio', prices: false, log: false, end: WINDOW.end });
    const history = historyOf(all, run.model!.factors.filter((f) => f !== 'residual'));
    const fitted = fittedOf({ ...run.model!, factors: history.factorNames, beta: run.model!.beta.slice(0, -1) }, history, WINDOW.start, WINDOW.end);
    const f = forecastDay('hs', history, fitted, { lambda: 0.94 }, [0.99, 0.975, 0.95]);
    for (const c of ['0.99', '0.975', '0.95']) {
      expect(Math.abs(run.risk![c].var / f.var[c] - 1)).toBeLessThan(1e-12);
      expect(Math.abs(run.risk![c].es / f.es[c] - 1)).toBeLessThan(1e-12);
      expect(run.risk![c].standardError).toBe(0);
      const rows = Object.values(run.risk![c].attribution!);
      expect(Math.abs(rows.reduce((s, a) => s + a.componentVar, 0) - run.risk![c].var)).toBeLessThan(1e-15);
      expect(Math.abs(rows.reduce((s, a) => s + a.componentEs, 0) - run.risk![c].es)).toBeLessThan(1e-15);
    }
    const report = await (await fetch(`${stack.apiUrl}/runs/${record.runId}/report`)).text();
    expect(report).toContain('model “hs” · exact enumeration of 250 scenario days (no Monte Carlo), horizon 1 day');

    // the schedule re-runs the latest upload with config/hs11.json: the same enumeration, to the bit
    const [tick] = await stack.fireSchedule(new Date('2024-05-03T22:00:00Z'));
    expect(tick).toMatchObject({ portfolioId: 'hs11', key, started: true });
    const scheduled = await stack.waitForRun(tick.runId, 60_000);
    expect(scheduled.error).toBeUndefined();
    expect(scheduled.status).toBe('SUCCEEDED');
    expect(scheduled.simulation).toMatchObject({ model: 'hs', lookback: 250, simulations: 250, exact: true });
    for (const c of ['0.99', '0.975', '0.95']) expect([scheduled.risk![c].var, scheduled.risk![c].es]).toEqual([run.risk![c].var, run.risk![c].es]);

    const post = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portfolioId: 'hs11', key, settings: { model: 'fhs', lookback: 300 } }),
    });
    expect(post.status).toBe(202);
    const fhs = await stack.waitForRun(((await post.json()) as { runId: string }).runId, 60_000);
    expect(fhs.error).toBeUndefined();
    expect(fhs.status).toBe('SUCCEEDED');
    const g = forecastDay('fhs', history, fitted, { lambda: 0.94, lookback: 300 }, [0.99]);
    expect(Math.abs(fhs.risk!['0.99'].var / g.var['0.99'] - 1)).toBeLessThan(1e-12);

    await put('config/hs12.json', JSON.stringify({ ...WINDOW, model: 'hs', lookback: 5000 }));
    const long = 'uploads/hs12/2024-04-30.csv';
    const failed = await stack.waitForRun(stack.uploadRunId(long, await put(long, CSV)), 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/setting "lookback": 5000 days is longer than/);
  });

  it('POST /runs refuses an unknown model or a bad lambda with 400 naming the key', async () => {
    const res = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portfolioId: 'ewma11', key: 'uploads/ewma11/2024-04-30.csv', settings: { model: 'garch' } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/setting "model"/);
    const lam = await fetch(`${stack.apiUrl}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ portfolioId: 'ewma11', key: 'uploads/ewma11/2024-04-30.csv', settings: { model: 'ewma', lambda: 1.5 } }),
    });
    expect(lam.status).toBe(400);
    expect(((await lam.json()) as { error: string }).error).toMatch(/setting "lambda"/);
  });

  it('POST /runs: an hs/fhs lookback no run can take is 400 naming lookback; one longer than the data ends FAILED naming it', async () => {
    const post = (settings: Record<string, unknown>) =>
      fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ portfolioId: 'hs13', csv: CSV, settings }) });
    for (const [settings, error] of [
      [{ model: 'hs', lookback: 8001 }, 'settings:1:1: setting "lookback": at most 8000 days: a shard carries at most 8000 scenario numbers (lookback × (factors + 1))'],
      [{ model: 'fhs', lookback: 19 }, 'settings:1:1: setting "lookback": Too small: expected number to be >=20'],
      [{ model: 'ewma', lookback: 300 }, 'settings:1:1: setting "lookback": applies to models "hs" and "fhs" only, not "ewma"'],
    ] as const) {
      const res = await post(settings);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error });
    }
    // the history's length is known once Fit reads the data: the run ends FAILED with the one-line message
    const res = await post({ ...WINDOW, model: 'fhs', lookback: 5000 });
    expect(res.status).toBe(202);
    const failed = await stack.waitForRun(((await res.json()) as { runId: string }).runId, 60_000);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toMatch(/^settings:1:1: setting "lookback": 5000 days is longer than the \d+ days of history with an EWMA volatility before the day after 2024-04-30$/);
  });
});
