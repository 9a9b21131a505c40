// End to end on the local stack, the way a user drives it: files dropped into local S3 with the real AWS SDK client,
// results read over the HTTP API. The SUCCEEDED run must equal `varstream run --json` on the same file, window and
// seed; a bad CSV ends FAILED with its FILE:LINE:COLUMN message and stays in the bucket; the API's error answers;
// and stop() leaves no server, socket or worker behind.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import type { RunRecord, RunResult } from '../../lambdas/engine/types.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';

const ROOT = new URL('../../', import.meta.url);
const SAMPLE = new URL('data/tech11.csv', ROOT);
const CSV = readFileSync(SAMPLE, 'utf-8');
const WINDOW = { start: '2023-01-03', end: '2024-04-30' };
const SEED = 424242;

// handles this test process has before the stack (the runner's IPC pipes): stop() must leave no more than these
const baseline = handles();
let stack: LocalStack;
let s3: S3Client;
let cli: Promise<RunResult>;

function handles(): Record<string, number> {
  const count: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) if (/TCP|Pipe|Worker|MessagePort/.test(r)) count[r] = (count[r] ?? 0) + 1;
  return count;
}

async function put(key: string, body: string): Promise<string> {
  const out = await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }));
  return out.ETag!;
}

async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(stack.apiUrl + path, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) }) });
  return { status: res.status, json: await res.json() };
}


/** `varstream run --json` on the same file, window and seed, as a separate process. */
async function runCli(): Promise<RunResult> {
  const args = ['bin/varstream.mjs', 'run', 'data/tech11.csv', '--start', WINDOW.start, '--end', WINDOW.end, '--seed', String(SEED), '--simulations', '10000', '--json'];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as RunResult;
}

beforeAll(async () => {
  // the CLI runs alongside the stack's startup (both take a second or two)
  cli = runCli();
  cli.catch(() => undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'varstream-e2e-'));
  stack = await startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 2, scheduleCron: null, logLevel: 'SILENT' });
  s3 = makeS3Client(stack.env);
});

afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
});

describe('upload → run → API', () => {
  let runId: string;

  it('an upload under uploads/<portfolioId>/ runs with config/<portfolioId>.json and equals varstream run --json', async () => {
    await put('config/tech11.json', JSON.stringify({ ...WINDOW, seed: SEED, simulations: 10_000 }));
    const etag = await put('uploads/tech11/2024-04-30.csv', CSV);
    runId = stack.uploadRunId('uploads/tech11/2024-04-30.csv', etag);
    const done = await stack.waitForRun(runId, 30_000);
    expect(done.error).toBeUndefined();
    expect(done.status).toBe('SUCCEEDED');

    const { status, json } = await api('GET', `/runs/${runId}`);
    expect(status).toBe(200);
    const run = json as RunRecord;
    expect(run).toMatchObject({ runId, portfolioId: 'tech11', status: 'SUCCEEDED', input: { bucket: stack.bucket, key: 'uploads/tech11/2024-04-30.csv' } });
    expect(run.createdAt <= run.finishedAt!).toBe(true);

    // identical to the last digit: the same engine on the same file, window and seed; the stored run is the CLI's JSON
    // plus identity, status, lineage and the report's address.
    const { runId: _id, portfolioId: _p, status: _s, createdAt: _c, finishedAt: _f, input: _i, settings: _st, reportKey, reportUrl, timings, ...body } = run as RunRecord & { reportUrl?: string };
    const { timings: cliTimings, ...expected } = await cli;
    expect(body).toEqual(expected);
    expect('residuals' in run.final!).toBe(false);
    expect(Object.keys(timings!)).toEqual(expect.arrayContaining(['readMs', 'fitMs', 'reduceMs']));
    expect(cliTimings.fitMs).toBeGreaterThan(0);
    expect(run.window).toEqual(WINDOW);
    expect(run.observations).toBe(333);
    expect(run.simulation).toMatchObject({ simulations: 10_000, seed: SEED });
    // the source paper's screening on this window
    expect(run.selected).toEqual(['XLK', 'MTUM', 'VLUE']);
    expect(run.risk!['0.99'].var).toBeGreaterThan(run.risk!['0.95'].var);

    // the pipeline wrote the HTML report; the API serves it at reportUrl
    expect(reportKey).toBe(`reports/${runId}.html`);
    expect(reportUrl).toBe(`/runs/${runId}/report`);
    const report = await fetch(stack.apiUrl + reportUrl);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await report.text();
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`${(run.risk!['0.99'].var * 100).toFixed(2)}%`);
    expect((html.match(/<svg[\s>]/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(html).toContain('</html>');
    expect((await api('GET', '/runs/no-such-run/report')).status).toBe(404);

    // the run was one execution of the synthesized state machine: ?history=1 adds it, states in order
    expect(json).not.toHaveProperty('execution');
    const traced = (await api('GET', `/runs/${runId}?history=1`)).json as RunRecord & { execution: { status: string; history: Array<{ type: string; state?: string; index?: number }> } };
    expect(traced.execution.status).toBe('SUCCEEDED');
    const entered = traced.execution.history.filter((h) => h.type === 'StateEntered' && h.index === undefined).map((h) => h.state);
    expect(entered).toEqual(['Fit', 'HowManyShards', 'Shards', 'ReduceInput', 'Reduce', 'RunSucceeded']);
    expect(traced.risk).toEqual(run.risk);
  });

  it('the same upload again starts no second run; new bytes do; the list is newest first', async () => {
    await put('uploads/tech11/2024-04-30.csv', CSV);
    const etag2 = await put('uploads/tech11/2024-05-01.csv', CSV.trimEnd());
    const second = stack.uploadRunId('uploads/tech11/2024-05-01.csv', etag2);
    expect(second).not.toBe(runId);
    expect((await stack.waitForRun(second, 30_000)).status).toBe('SUCCEEDED');

    const { status, json } = await api('GET', '/portfolios/tech11/runs');
    expect(status).toBe(200);
    expect(json.runs.map((r: { runId: string }) => r.runId)).toEqual([second, runId]);
    expect(json.runs[0].createdAt >= json.runs[1].createdAt).toBe(true);
    // same data, same seed: the second run's numbers equal the first's
    expect(json.runs[0].var99).toBe(json.runs[1].var99);
  });

  it('a bad CSV ends FAILED with its one-line FILE:LINE:COLUMN message, and the object is still there', async () => {
    const bad = CSV.split('\n').map((line, i) => (i === 5 ? line.replace(/,([^,]+)$/, ',abc') : line)).join('\n');
    const key = 'uploads/broken/prices.csv';
    const record = await stack.waitForRun(stack.uploadRunId(key, await put(key, bad)), 30_000);
    expect(record.status).toBe('FAILED');
    // line 6 of the file, the last column (IWF = column 9)
    expect(record.error).toMatch(/^uploads\/broken\/prices\.csv:6:9: /);
    expect(record.error).not.toContain('\n');
    const { json } = await api('GET', `/runs/${record.runId}`);
    expect(json).toMatchObject({ status: 'FAILED', error: record.error, portfolioId: 'broken' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key }));
    expect(head.ContentLength).toBe(Buffer.byteLength(bad));
  });

  it('POST /runs with an inline CSV → 202 {runId}, RUNNING at once, then SUCCEEDED with the request settings', async () => {
    const { status, json } = await api('POST', '/runs', { portfolioId: 'inline', csv: CSV, settings: { ...WINDOW, seed: SEED, simulations: 10_000 } });
    expect(status).toBe(202);
    expect(Object.keys(json)).toEqual(['runId']);
    const first = await api('GET', `/runs/${json.runId}`);
    expect(first.status).toBe(200);
    expect(['RUNNING', 'SUCCEEDED']).toContain(first.json.status);
    const done = await stack.waitForRun(json.runId, 30_000);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.risk).toEqual((await cli).risk);
  });
});

describe('Idempotency-Key', () => {
  it('a retried POST /runs with the same key and body gets the same runId (one run); another body is 409', async () => {
    const post = async (body: unknown, key: string) => {
      const res = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'Idempotency-Key': key, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, json: (await res.json()) as any };
    };
    const body = { portfolioId: 'idem', csv: CSV, settings: { ...WINDOW, seed: SEED, simulations: 1_000 } };
    const [a, b] = [await post(body, 'e2e-key-1'), await post(body, 'e2e-key-1')];
    expect(a.status).toBe(202);
    expect(b).toEqual(a);
    expect((await stack.waitForRun(a.json.runId, 30_000)).status).toBe('SUCCEEDED');
    // after the run finished, still the same answer; one run in the portfolio
    expect((await post(body, 'e2e-key-1')).json.runId).toBe(a.json.runId);
    expect((await api('GET', '/portfolios/idem/runs')).json.runs.map((r: { runId: string }) => r.runId)).toEqual([a.json.runId]);
    const other = await post({ ...body, settings: { ...body.settings, seed: SEED + 1 } }, 'e2e-key-1');
    expect(other.status).toBe(409);
    expect(other.json.error).toMatch(/different request body/);
  });
});

describe('API errors', () => {
  it('404 for an unknown run', async () => {
    const { status, json } = await api('GET', '/runs/no-such-run');
    expect(status).toBe(404);
    expect(json.error).toContain('no-such-run');
  });

  it('400 for a bad setting, an unknown setting and a malformed body', async () => {
    const bad = await api('POST', '/runs', { portfolioId: 'tech11', key: 'uploads/tech11/2024-04-30.csv', settings: { simulations: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/^settings:1:1: setting "simulations": /);
    const unknown = await api('POST', '/runs', { portfolioId: 'tech11', key: 'uploads/tech11/2024-04-30.csv', settings: { simulatons: 1e4 } });
    expect(unknown).toEqual({ status: 400, json: { error: 'settings:1:1: unknown setting "simulatons"' } });
    expect((await api('POST', '/runs', '{"portfolioId": ')).status).toBe(400);
  });

  it('413 for a body over 1 MB, answered without reading it all', async () => {
    const size = 3 * 1024 * 1024;
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      // the server hangs up mid-upload: that is the point
      req.on('error', (e) => (/EPIPE|ECONNRESET/.test(String(e)) ? undefined : reject(e)));
      // chunked, no content-length: the server has to count
      const chunk = Buffer.alloc(64 * 1024, 'a');
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.byteLength;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      req.write('{"portfolioId":"big","csv":"');
      pump();
    });
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body).error).toMatch(/over 1048576 bytes/);
  });
});

describe('stop', () => {
  it('closes every server, socket and worker', async () => {
    s3.destroy();
    await stack.stop();
    // nothing left that keeps the process alive (timers of the test runner aside)
    expect(handles()).toEqual(baseline);
    await expect(fetch(stack.apiUrl + '/runs/x')).rejects.toThrow();
  });
});
