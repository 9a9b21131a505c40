// The contract of the AWS side, for real against s3rver + dynalite (no mocks of S3 or DynamoDB):
// upload event → Trigger → one execution of the synthesized state machine (Fit → every shard → Reduce, the steps on
// this thread) → the item in DynamoDB, equal to the engine run directly;
// a duplicate event is one run; a bad CSV ends FAILED with its FILE:LINE:COLUMN message; the REST routes.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeDocumentClient, makeDynamoClient, makeS3Client } from '../../lambdas/adapters/clients.ts';
import { S3ObjectStore } from '../../lambdas/adapters/object-store.ts';
import { DynamoRunStore } from '../../lambdas/adapters/run-store.ts';
import { uploadRunId } from '../../lambdas/contracts/run-ids.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { factorModel, fitModel } from '../../lambdas/engine/fit.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { simulationSettings } from '../../lambdas/engine/run.ts';
import { planShards, simulateShard } from '../../lambdas/engine/simulate.ts';
import { StoredDataError } from '../../lambdas/contracts/errors.ts';
import { contextKey } from '../../lambdas/contracts/keys.ts';
import type { RunInput } from '../../lambdas/contracts/steps.ts';
import { reduceStep } from '../../lambdas/handlers/reduce.ts';
import type { Deps } from '../../lambdas/handlers/deps.ts';
import { errorMessage, failStep, formatDuration, fromStatusChange, isStatusChange, type ExecutionStatusChange } from '../../lambdas/handlers/fail.ts';
import { localDefinition } from '../../lambdas/local/asl-local.ts';
import { LocalExecutor } from '../../lambdas/local/executor.ts';
import { inProcessSteps } from '../../lambdas/local/steps.ts';
import { triggerStep, type ObjectCreatedEvent } from '../../lambdas/handlers/trigger.ts';
import { MAX_RESPONSE_BYTES, fromProxyEvent, route } from '../../lambdas/handlers/api.ts';
import { handler as failHandler } from '../../lambdas/handlers/fail.ts';
import { makeIdempotencyStore } from '../../lambdas/adapters/idempotency.ts';
import { createRunTables } from '../support/in-process.ts';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'varstream-handlers';
const TABLE = 'varstream-runs-handlers';
const CSV = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8');
const SETTINGS = { simulations: 20_000, shards: 4, seed: 11 };
const JSON_TYPE = { 'content-type': 'application/json' };

let aws: LocalAws;
let deps: Deps;
const started: RunInput[] = [];

function objectCreated(key: string, version: string): ObjectCreatedEvent {
  return {
    'detail-type': 'Object Created',
    time: '2024-05-01T22:00:00Z',
    detail: { bucket: { name: BUCKET }, object: { key, 'version-id': version, etag: 'e' } },
  };
}

/** The engine run in-process with no AWS at all: what the pipeline must reproduce to the last digit. */
async function direct(settingsRaw: Record<string, unknown>) {
  const settings = parseSettings(settingsRaw);
  const data = await readReturns([CSV], 'tech11.csv', settings);
  const fit = fitModel(data, settings);
  const model = factorModel(fit, data);
  const sim = simulationSettings(settings);
  const partials = planShards(model, sim, settings.confidence).map((d) => simulateShard(d));
  return reduceRisk(partials, model, sim, settings.confidence, { value: settings.value, shocks: settings.shocks });
}

/** One execution of the synthesized definition, every step on this thread; a fresh executor is a fresh name space. */
async function runPipeline(input: RunInput, d: Deps = deps) {
  const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: d.inlineShardLimit });
  const executor = new LocalExecutor({ local, steps: inProcessSteps(d), deps: d });
  expect(await executor.start(input)).toEqual({ started: true });
  await executor.settled(input.runId);
  return (await d.runs.get(input.runId))!;
}

beforeAll(async () => {
  aws = await startLocalAws({ buckets: [BUCKET] });
  await createRunTables(TABLE, { idempotency: true });
  const objects = new S3ObjectStore(BUCKET, makeS3Client());
  const names = new Set<string>();
  deps = {
    bucket: BUCKET,
    objects,
    runs: new DynamoRunStore(TABLE, makeDocumentClient(), objects),
    // like StartExecution with name = runId: a second start of the same name is a no-op
    start: async (input) => {
      if (names.has(input.runId)) return { started: false };
      names.add(input.runId);
      started.push(input);
      return { started: true };
    },
    portfolios: ['tech', 'empty'],
    inlineShardLimit: 40,
    logger: new Logger({ logLevel: 'SILENT' }),
    idempotency: makeIdempotencyStore(`${TABLE}-idempotency`, makeDynamoClient()),
  };
  await objects.putText(BUCKET, 'config/tech.json', JSON.stringify(SETTINGS), 'application/json');
});
afterAll(async () => aws?.stop());

describe('upload → trigger → fit → shards → reduce → DynamoDB', () => {
  it('stores the same VaR as the engine run directly, and a duplicate event starts nothing', async () => {
    await deps.objects.putText(BUCKET, 'uploads/tech/2024-05.csv', CSV, 'text/csv');
    const event = objectCreated('uploads/tech/2024-05.csv', 'v1');
    const first = await triggerStep(event, deps);
    expect(first.runs).toHaveLength(1);
    const { runId, started: ok } = first.runs[0];
    expect(ok).toBe(true);
    expect(runId).toBe(uploadRunId({ bucket: BUCKET, key: 'uploads/tech/2024-05.csv', versionId: 'v1' }));
    expect((await triggerStep(event, deps)).runs[0]).toMatchObject({ runId, started: false });

    const input = started.find((s) => s.runId === runId)!;
    expect(input).toMatchObject({ portfolioId: 'tech', input: { bucket: BUCKET, key: 'uploads/tech/2024-05.csv', versionId: 'v1' } });
    const record = await runPipeline(input);
    expect(record.status).toBe('SUCCEEDED');
    expect(record.error).toBeUndefined();

    const expected = await direct(SETTINGS);
    expect(record.risk!['0.99'].var).toBe(expected.risk['0.99'].var);
    expect(record.risk!['0.99'].es).toBe(expected.risk['0.99'].es);
    expect(record.risk!['0.95']).toEqual(expected.risk['0.95']);
    expect(record.simulation!.simulations).toBe(20_000);
    expect(record.risk!['0.99'].var).toBeGreaterThan(0);
    // the run's final regression is what the engine fits
    expect(record.selected!.length).toBeGreaterThan(0);

    // a replay of the same run (e.g. a retried execution) changes nothing: Fit refuses, Fail does not overwrite
    const again = await runPipeline(input);
    expect(again.status).toBe('SUCCEEDED');
    expect(again.risk!['0.99'].var).toBe(expected.risk['0.99'].var);

    const list = await deps.runs.listByPortfolio('tech', 5);
    expect(list[0]).toMatchObject({ runId, status: 'SUCCEEDED', var99: expected.risk['0.99'].var });
  });

  it('many shards take the Distributed Map path (descriptors and partials through S3) with identical numbers', async () => {
    const settings = { ...SETTINGS, shards: 7 };
    const small = { ...deps, inlineShardLimit: 3 };
    const input: RunInput = {
      runId: 'distributed-1',
      portfolioId: 'tech',
      input: { bucket: BUCKET, key: 'uploads/tech/2024-05.csv' },
      createdAt: '2024-05-02T00:00:00.000Z',
      settings,
    };
    const record = await runPipeline(input, small);
    expect(record.status).toBe('SUCCEEDED');
    expect(await deps.objects.head(BUCKET, 'partials/distributed-1/descriptors.json')).toBeDefined();
    expect(await deps.objects.head(BUCKET, 'partials/distributed-1/6.json')).toBeDefined();
    const expected = await direct(settings);
    expect(record.risk!['0.99'].var).toBe(expected.risk['0.99'].var);
    // the shard split never changes the numbers
    expect(record.risk!['0.99'].var).toBe((await direct(SETTINGS)).risk['0.99'].var);

    // a stored partial that is both inline and a reference is refused by its schema, naming the object
    const stored = (await deps.objects.getJson<Record<string, unknown>>(BUCKET, 'partials/distributed-1/6.json'))!;
    await deps.objects.putText(BUCKET, 'partials/distributed-1/6.json', JSON.stringify({ ...stored, ref: 's3://elsewhere/6.bin', values: [-0.5] }), 'application/json');
    const reduce = reduceStep({ ...input, shardCount: 7, contextKey: contextKey('distributed-1') }, deps);
    await expect(reduce).rejects.toThrow(StoredDataError);
    await expect(reduce).rejects.toThrow(/^run distributed-1: partial of shard 6: (ref|values): /);
  });

  it('a bad CSV ends FAILED with its one-line FILE:LINE:COLUMN message', async () => {
    const bad = CSV.split('\n').map((l, i) => (i === 5 ? l.replace(/,([^,]+)$/, ',abc') : l)).join('\n');
    await deps.objects.putText(BUCKET, 'uploads/tech/bad.csv', bad, 'text/csv');
    const { runs } = await triggerStep(objectCreated('uploads/tech/bad.csv', 'v9'), deps);
    const record = await runPipeline(started.find((s) => s.runId === runs[0].runId)!);
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatch(/^uploads\/tech\/bad\.csv:6:\d+: /);
    expect(record.error).not.toContain('\n');
    expect(record.portfolioId).toBe('tech');
  });

  it('a bad config file fails the run naming the config', async () => {
    await deps.objects.putText(BUCKET, 'config/typo.json', '{"simulatons": 5}', 'application/json');
    await deps.objects.putText(BUCKET, 'uploads/typo/a.csv', CSV, 'text/csv');
    const { runs } = await triggerStep(objectCreated('uploads/typo/a.csv', 'v1'), deps);
    const record = await runPipeline(started.find((s) => s.runId === runs[0].runId)!);
    expect(record).toMatchObject({ status: 'FAILED', error: 'config/typo.json:1:1: unknown setting "simulatons"' });
  });

  it('keys outside uploads/<portfolioId>/…csv start nothing but leave a SKIPPED record; the schedule re-runs each portfolio once per time', async () => {
    for (const key of ['uploads/loose.csv', 'uploads/my portfolio/a.csv']) {
      const out = await triggerStep(objectCreated(key, 'v1'), deps);
      expect(out).toEqual({ runs: [], skipped: key });
      const record = await deps.runs.get(uploadRunId({ bucket: BUCKET, key, versionId: 'v1' }));
      expect(record).toMatchObject({ status: 'SKIPPED', portfolioId: '_ignored', input: { key } });
      expect(record!.error).toBe(`ignored upload ${key}: expected uploads/<portfolioId>/<name>.csv, portfolioId of letters, digits, ".", "_", "-"`);
    }
    expect((await deps.runs.listByPortfolio('_ignored')).map((r) => r.status)).toEqual(['SKIPPED', 'SKIPPED']);
    const tick = { 'detail-type': 'Scheduled Event' as const, time: '2024-05-03T22:00:00Z' };
    const first = await triggerStep(tick, deps);
    // 'empty' has no upload, so only tech runs (from its newest object under uploads/tech/); 'empty' gets a SKIPPED record
    expect(first.runs.map((r) => r.portfolioId)).toEqual(['tech']);
    const [miss] = await deps.runs.listByPortfolio('empty');
    expect(miss).toMatchObject({ status: 'SKIPPED', createdAt: tick.time, error: 'scheduled re-run skipped: no upload under uploads/empty/' });
    expect(first.runs[0].started).toBe(true);
    expect((await triggerStep(tick, deps)).runs[0].started).toBe(false);
  });
});

describe('Fail target', () => {
  it('takes errorMessage out of a Lambda Cause, or the plain Cause text', () => {
    expect(errorMessage({ Error: 'InputError', Cause: JSON.stringify({ errorType: 'InputError', errorMessage: 'a.csv:2:3: bad', trace: [] }) })).toBe('a.csv:2:3: bad');
    expect(errorMessage({ Error: 'States.Timeout', Cause: 'The task timed out' })).toBe('The task timed out');
    expect(errorMessage({ Error: 'States.Runtime' })).toBe('States.Runtime');
  });
  it('records a run that failed before it was created', async () => {
    const out = await failStep(
      { runId: 'never-ran', portfolioId: 'p', input: { bucket: BUCKET, key: 'uploads/p/x.csv' }, createdAt: '2024-01-01T00:00:00.000Z', error: { Error: 'Lambda.Unknown', Cause: 'boom' } },
      deps,
    );
    expect(out).toMatchObject({ recorded: true, error: 'boom' });
    expect(await deps.runs.get('never-ran')).toMatchObject({ status: 'FAILED', error: 'boom', portfolioId: 'p' });
  });
});

describe('execution status change (EventBridge → Fail)', () => {
  const change = (name: string, status: ExecutionStatusChange['detail']['status'], input: unknown, extra: Partial<ExecutionStatusChange['detail']> = {}): ExecutionStatusChange => ({
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: { name, status, startDate: 1_714_600_000_000, stopDate: 1_714_600_000_000 + 2 * 3_600_000, input: JSON.stringify(input), ...extra },
  });
  const runInput = (runId: string): RunInput => ({ runId, portfolioId: 'tech', input: { bucket: BUCKET, key: 'uploads/tech/2024-05.csv' }, createdAt: '2024-05-04T00:00:00.000Z', origin: 'upload' });

  it('a timed-out RUNNING run becomes FAILED "run timed out after 2 h (TIMED_OUT)"', async () => {
    await deps.runs.create({ ...runInput('timeout-1'), status: 'RUNNING' });
    const event = change('timeout-1', 'TIMED_OUT', runInput('timeout-1'));
    expect(isStatusChange(event)).toBe(true);
    const out = await failStep(fromStatusChange(event), deps);
    expect(out).toMatchObject({ recorded: true, error: 'run timed out after 2 h (TIMED_OUT)' });
    expect(await deps.runs.get('timeout-1')).toMatchObject({ status: 'FAILED', error: 'run timed out after 2 h (TIMED_OUT)', portfolioId: 'tech' });
  });

  it('an aborted execution that never reached Fit is recorded FAILED from its input; FAILED carries the cause', async () => {
    const aborted = fromStatusChange(change('abort-1', 'ABORTED', runInput('abort-1'), { stopDate: 1_714_600_000_000 + 42_000 }));
    expect((await failStep(aborted, deps)).error).toBe('run aborted after 42 s (ABORTED)');
    expect(await deps.runs.get('abort-1')).toMatchObject({ status: 'FAILED', portfolioId: 'tech', input: { key: 'uploads/tech/2024-05.csv' } });
    const failed = fromStatusChange(change('fail-1', 'FAILED', runInput('fail-1'), { stopDate: 1_714_600_000_000 + 5 * 60_000, error: 'States.Runtime', cause: 'An error occurred while executing the state' }));
    expect((await failStep(failed, deps)).error).toBe('run failed after 5 min: An error occurred while executing the state (FAILED)');
  });

  it('never overwrites a SUCCEEDED or FAILED run (the Catch already recorded it)', async () => {
    const [done] = (await deps.runs.listByPortfolio('tech', 50)).filter((r) => r.status === 'SUCCEEDED');
    expect(done).toBeDefined();
    const before = await deps.runs.get(done.runId);
    const out = await failStep(fromStatusChange(change(done.runId, 'TIMED_OUT', runInput(done.runId))), deps);
    expect(out.recorded).toBe(false);
    expect(await deps.runs.get(done.runId)).toEqual(before);
    // a status-change FAILED after the Catch wrote FAILED keeps the Catch's (more precise) message
    const bad = await failStep(fromStatusChange(change('timeout-1', 'FAILED', runInput('timeout-1'), { error: 'X', cause: 'later' })), deps);
    expect(bad.recorded).toBe(false);
    expect((await deps.runs.get('timeout-1'))!.error).toBe('run timed out after 2 h (TIMED_OUT)');
  });

  it('the Fail Lambda entry point takes the EventBridge event as delivered', async () => {
    const saved = { b: process.env.VARSTREAM_BUCKET, t: process.env.VARSTREAM_TABLE };
    process.env.VARSTREAM_BUCKET = BUCKET;
    process.env.VARSTREAM_TABLE = TABLE;
    try {
      const context = { functionName: 'Fail', awsRequestId: 'r1', getRemainingTimeInMillis: () => 30_000 } as never;
      const out = await failHandler(change('entry-1', 'TIMED_OUT', runInput('entry-1')), context);
      expect(out).toMatchObject({ runId: 'entry-1', recorded: true, error: 'run timed out after 2 h (TIMED_OUT)' });
      expect(await deps.runs.get('entry-1')).toMatchObject({ status: 'FAILED', portfolioId: 'tech' });
    } finally {
      process.env.VARSTREAM_BUCKET = saved.b;
      process.env.VARSTREAM_TABLE = saved.t;
      if (saved.b === undefined) delete process.env.VARSTREAM_BUCKET;
      if (saved.t === undefined) delete process.env.VARSTREAM_TABLE;
    }
  });

  it('formats durations and survives an execution input it cannot parse', () => {
    expect([formatDuration(7_200_000), formatDuration(900_000), formatDuration(1_500)]).toEqual(['2 h', '15 min', '2 s']);
    expect(fromStatusChange({ 'detail-type': 'Step Functions Execution Status Change', detail: { name: 'x', status: 'TIMED_OUT', input: '{oops' } })).toEqual({
      runId: 'x',
      error: { Error: 'Execution.TIMED_OUT', Cause: 'run timed out (TIMED_OUT)' },
    });
  });
});

describe('REST routes', () => {
  it('POST /runs with inline csv → 202 {runId}, RUNNING at once, then the run', async () => {
    const before = started.length;
    const res = await route({ method: 'POST', path: '/runs', headers: JSON_TYPE, body: JSON.stringify({ portfolioId: 'api1', csv: CSV, settings: SETTINGS }) }, deps);
    expect(res.statusCode).toBe(202);
    const { runId } = JSON.parse(res.body);
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(started.length).toBe(before + 1);
    const get1 = await route({ method: 'GET', path: `/runs/${runId}` }, deps);
    expect(get1.statusCode).toBe(200);
    expect(JSON.parse(get1.body)).toMatchObject({ status: 'RUNNING', input: { key: `inline/api1/${runId}.csv` } });
    await runPipeline(started[before]);
    const get2 = JSON.parse((await route({ method: 'GET', path: `/runs/${runId}` }, deps)).body);
    expect(get2.status).toBe('SUCCEEDED');
    expect(get2.risk['0.99'].var).toBe((await direct(SETTINGS)).risk['0.99'].var);
    const list = await route({ method: 'GET', path: '/portfolios/api1/runs', query: { limit: '5' } }, deps);
    expect(JSON.parse(list.body).runs.map((r: { runId: string }) => r.runId)).toEqual([runId]);

    // Reduce wrote the HTML report; the run names it and the API serves it
    expect(get2).toMatchObject({ reportKey: `reports/${runId}.html`, reportUrl: `/runs/${runId}/report` });
    const report = await route({ method: 'GET', path: get2.reportUrl }, deps);
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/html/);
    expect(report.body).toMatch(/^<!DOCTYPE html>/);
    expect(report.body).toContain(`${(get2.risk['0.99'].var * 100).toFixed(2)}%`);
    expect((report.body.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    expect(report.body).toBe(await deps.objects.getText(BUCKET, `reports/${runId}.html`));
  });

  it('GET /runs/{runId}/report is 404 for an unknown run and for a run without a report yet', async () => {
    expect((await route({ method: 'GET', path: '/runs/nope/report' }, deps)).statusCode).toBe(404);
    await deps.runs.create({ runId: 'no-report', portfolioId: 'p', status: 'RUNNING', createdAt: '2024-01-01T00:00:00.000Z', input: { bucket: BUCKET, key: 'uploads/p/x.csv' } });
    const res = await route({ method: 'GET', path: '/runs/no-report/report' }, deps);
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(res.body).error).toMatch(/no report \(RUNNING\)/);
    expect(JSON.parse((await route({ method: 'GET', path: '/runs/no-report' }, deps)).body)).not.toHaveProperty('reportUrl');
  });

  it('answers over 5 MB go by reference: the report as 303 to a presigned URL, a huge run JSON as its summary + resultUrl', async () => {
    const input = { bucket: BUCKET, key: 'uploads/p/x.csv' };
    await deps.runs.create({ runId: 'big', portfolioId: 'p', status: 'RUNNING', createdAt: '2024-01-01T00:00:00.000Z', input, reportKey: 'reports/big.html' });
    const html = `<!doctype html><p>${'x'.repeat(MAX_RESPONSE_BYTES)}</p>`;
    await deps.objects.putText(BUCKET, 'reports/big.html', html, 'text/html');
    const report = await route({ method: 'GET', path: '/runs/big/report' }, deps);
    expect(report.statusCode).toBe(303);
    expect(report.body.length).toBeLessThan(2000);
    const fetched = await fetch(report.headers.location);
    expect(fetched.status).toBe(200);
    expect((await fetched.text()).length).toBe(html.length);
    // a result of 6 MB goes to results/big.json (over an item); GET /runs/big answers its summary and where the rest is
    const result = { risk: { '0.99': { var: 0.03, es: 0.04 } }, simulation: { simulations: 1 }, padding: 'y'.repeat(6 * 1024 * 1024) };
    expect(await deps.runs.succeed('big', result as never)).toBe(true);
    const run = await route({ method: 'GET', path: '/runs/big' }, deps);
    expect(run.statusCode).toBe(200);
    expect(run.body.length).toBeLessThan(MAX_RESPONSE_BYTES);
    const summary = JSON.parse(run.body);
    expect(summary).toMatchObject({ runId: 'big', status: 'SUCCEEDED', reportUrl: '/runs/big/report' });
    expect(summary).not.toHaveProperty('padding');
    const full = (await (await fetch(summary.resultUrl)).json()) as { padding: string; risk: Record<string, { var: number }> };
    expect(full.padding.length).toBe(6 * 1024 * 1024);
    expect(full.risk['0.99'].var).toBe(0.03);
  });

  it('POST /runs by key starts a run on the stored upload of its own portfolio only', async () => {
    const foreign = await route({ method: 'POST', path: '/runs', headers: JSON_TYPE, body: JSON.stringify({ portfolioId: 'other', key: 'uploads/tech/2024-05.csv' }) }, deps);
    expect(foreign.statusCode).toBe(400);
    expect(JSON.parse(foreign.body).error).toMatch(/under uploads\/other\//);
    const res = await route({ method: 'POST', path: '/runs', headers: JSON_TYPE, body: JSON.stringify({ portfolioId: 'tech', key: 'uploads/tech/2024-05.csv' }) }, deps);
    expect(res.statusCode).toBe(202);
    expect(started.at(-1)).toMatchObject({ portfolioId: 'tech', origin: 'api', input: { key: 'uploads/tech/2024-05.csv' } });
  });

  it('POST /runs with an Idempotency-Key: a retry gets the same runId and starts nothing; another body is 409', async () => {
    const post = (body: unknown, key?: string) =>
      route({ method: 'POST', path: '/runs', headers: key === undefined ? JSON_TYPE : { ...JSON_TYPE, 'idempotency-key': key }, body: JSON.stringify(body) }, deps);
    await deps.objects.putText(BUCKET, 'uploads/idem/2024-05.csv', CSV, 'text/csv');
    const body = { portfolioId: 'idem', key: 'uploads/idem/2024-05.csv', settings: { seed: 3 } };
    const before = started.length;
    const first = await post(body, 'client-retry-1');
    expect(first.statusCode).toBe(202);
    const { runId } = JSON.parse(first.body);
    // the same request again (key order of the body does not matter), and a second time
    const again = await post({ settings: { seed: 3 }, key: 'uploads/idem/2024-05.csv', portfolioId: 'idem' }, 'client-retry-1');
    expect(again.statusCode).toBe(202);
    expect(JSON.parse(again.body).runId).toBe(runId);
    expect(JSON.parse((await post(body, 'client-retry-1')).body).runId).toBe(runId);
    expect(started.length).toBe(before + 1);
    expect((await deps.runs.listByPortfolio('idem', 10)).map((r) => r.runId)).toEqual([runId]);

    const other = await post({ ...body, settings: { seed: 4 } }, 'client-retry-1');
    expect(other.statusCode).toBe(409);
    expect(JSON.parse(other.body).error).toMatch(/different request body/);
    expect(started.length).toBe(before + 1);

    // another key, or no key at all: a new run each time
    const second = JSON.parse((await post(body, 'client-retry-2')).body).runId;
    const third = JSON.parse((await post(body)).body).runId;
    const fourth = JSON.parse((await post(body)).body).runId;
    expect(new Set([runId, second, third, fourth]).size).toBe(4);
    expect(started.length).toBe(before + 4);

    // a refused request is not remembered: once the upload exists, the same key starts the run
    const missing = { portfolioId: 'idem', key: 'uploads/idem/later.csv' };
    expect((await post(missing, 'client-retry-3')).statusCode).toBe(404);
    await deps.objects.putText(BUCKET, 'uploads/idem/later.csv', CSV, 'text/csv');
    const late = await post(missing, 'client-retry-3');
    expect(late.statusCode).toBe(202);
    expect(JSON.parse((await post(missing, 'client-retry-3')).body).runId).toBe(JSON.parse(late.body).runId);
    expect((await post(body, 'x'.repeat(257))).statusCode).toBe(400);
  });

  it("API Gateway's headers reach the route lower-cased (Idempotency-Key as the client spelled it)", () => {
    const req = fromProxyEvent({ httpMethod: 'POST', path: '/runs', headers: { 'Idempotency-Key': 'k1', 'Content-Type': 'application/json' }, body: '{}', isBase64Encoded: false } as never);
    expect(req.headers).toEqual({ 'idempotency-key': 'k1', 'content-type': 'application/json' });
  });

  it('answers 400/404/413 as JSON errors', async () => {
    const call = (method: string, path: string, body?: unknown, query?: Record<string, string>) =>
      route({ method, path, headers: JSON_TYPE, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body), query }, deps);
    const cases: Array<[Promise<{ statusCode: number; body: string }>, number, RegExp]> = [
      [call('POST', '/runs', '{nope'), 400, /not valid JSON/],
      [route({ method: 'POST', path: '/runs', headers: { 'content-type': 'text/plain' }, body: '{"portfolioId": "a", "csv": "x"}' }, deps), 415, /Content-Type: application\/json \(got text\/plain\)/],
      [route({ method: 'POST', path: '/runs', body: '{"portfolioId": "a", "csv": "x"}' }, deps), 415, /got none/],
      [call('POST', '/runs', { csv: 'x' }), 400, /portfolioId/],
      [call('POST', '/runs', { portfolioId: 'a', key: 'uploads/a/x.csv', csv: 'x' }), 400, /exactly one/],
      [call('POST', '/runs', { portfolioId: 'a', csv: 'x', settings: { simulations: 5 } }), 400, /settings:1:1: setting "simulations"/],
      [call('POST', '/runs', { portfolioId: 'a', csv: 'x', extra: 1 }), 400, /unknown field "extra"/],
      [call('POST', '/runs', { portfolioId: 'a', key: 'uploads/a/none.csv' }), 404, /no object/],
      [call('POST', '/runs', { portfolioId: 'a', csv: 'x'.repeat(1024 * 1024 + 1) }), 413, /over 1048576 bytes/],
      [call('GET', '/runs/nope'), 404, /no run nope/],
      [call('GET', '/portfolios/tech/runs', undefined, { limit: '0' }), 400, /limit/],
      [call('GET', '/portfolios/tech/runs', undefined, { limit: 'x' }), 400, /limit/],
      [call('GET', '/elsewhere'), 404, /no route/],
      [call('GET', '/runs/%E0%A4%A'), 400, /malformed path/],
      [call('POST', '/runs', { portfolioId: 'a', key: 'uploads/../config/a.json' }), 400, /key must be/],
      [call('POST', '/runs', { portfolioId: 'a', key: 'uploads/a//x.csv' }), 400, /key must be/],
    ];
    for (const [p, status, message] of cases) {
      const res = await p;
      expect(res.statusCode, res.body).toBe(status);
      expect(JSON.parse(res.body).error).toMatch(message);
    }
  });
});
