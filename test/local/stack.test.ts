// The local stack's own parts: the EventBridge → croner schedule translation, the s3rver event → EventBridge event
// mapping, options from the environment, and on a running stack: the schedule re-runs each portfolio's latest upload
// once per tick, a stop with a run in flight records it FAILED, and the data survives a restart.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { Cron } from 'croner';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import { ConfigError } from '../../lambdas/contracts/errors.ts';
import { uploadRunId } from '../../lambdas/contracts/run-ids.ts';
import { optionsFromEnv } from '../../lambdas/local/options.ts';
import { toObjectCreated } from '../../lambdas/local/s3-events.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';
import { readCdkContext, toCroner } from '../../lambdas/local/schedule.ts';

const CSV = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8');

function nextRuns(expression: string, n: number, from: string): string[] {
  const { pattern, options } = toCroner(expression);
  const job = new Cron(pattern, { ...options, paused: true });
  try {
    return job.nextRuns(n, new Date(from)).map((d) => d.toISOString());
  } finally {
    job.stop();
  }
}

describe('schedule: EventBridge expressions on croner (UTC)', () => {
  it("cdk.json's scheduleCron is what the stack schedules", () => {
    const cdk = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf-8'));
    expect(readCdkContext().scheduleCron).toBe(cdk.context.scheduleCron);
    expect(readCdkContext().portfolios).toEqual(cdk.context.portfolios);
  });

  it('cron(0 22 ? * MON-FRI *) fires at 22:00 UTC on weekdays only', () => {
    // Friday 2024-05-03 → Monday 2024-05-06: the weekend is skipped
    expect(nextRuns('cron(0 22 ? * MON-FRI *)', 3, '2024-05-03T12:00:00Z')).toEqual([
      '2024-05-03T22:00:00.000Z',
      '2024-05-06T22:00:00.000Z',
      '2024-05-07T22:00:00.000Z',
    ]);
  });

  it('numeric weekdays count 1 = SUN like EventBridge; ? means any; years are honoured', () => {
    // 2-6 = MON-FRI in EventBridge numbering
    expect(nextRuns('cron(30 6 ? * 2-6 *)', 2, '2024-05-04T00:00:00Z')).toEqual(['2024-05-06T06:30:00.000Z', '2024-05-07T06:30:00.000Z']);
    expect(nextRuns('cron(0 12 1 * ? 2030)', 1, '2024-05-04T00:00:00Z')).toEqual(['2030-01-01T12:00:00.000Z']);
  });

  it('rate(...) expressions and refusals', () => {
    expect(nextRuns('rate(15 minutes)', 3, '2024-05-04T10:01:00Z')).toEqual(['2024-05-04T10:15:00.000Z', '2024-05-04T10:30:00.000Z', '2024-05-04T10:45:00.000Z']);
    expect(nextRuns('rate(1 hour)', 2, '2024-05-04T10:01:00Z')).toEqual(['2024-05-04T11:00:00.000Z', '2024-05-04T12:00:00.000Z']);
  });

  it.each([
    ['cron(0 22 * *)', 'scheduleCron "cron(0 22 * *)": cron() needs 6 fields, got 4'],
    ['every day', 'scheduleCron "every day": expected cron(...) or rate(...)'],
    ['rate(0 minutes)', 'scheduleCron "rate(0 minutes)": rate must be at least 1'],
    ['cron(99 22 ? * MON-FRI *)', 'scheduleCron "cron(99 22 ? * MON-FRI *)": CronPattern: Invalid value for minute: 99'],
  ])('%s is refused with a ConfigError naming scheduleCron', (expression, message) => {
    let error: unknown;
    try {
      toCroner(expression);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([(error as ConfigError).payload.variable, (error as ConfigError).message]).toEqual(['scheduleCron', message]);
  });
});

describe('upload events and options', () => {
  it("an s3rver notification becomes AWS's Object Created event, named by bucket, key and ETag", () => {
    const event = toObjectCreated({
      eventName: 'ObjectCreated:Put',
      eventTime: '2024-05-01T22:00:00.000Z',
      s3: { bucket: { name: 'b' }, object: { key: 'uploads/p/x.csv', size: 10, eTag: 'abc', sequencer: '18F' } },
    });
    expect(event).toEqual({
      'detail-type': 'Object Created',
      time: '2024-05-01T22:00:00.000Z',
      detail: { bucket: { name: 'b' }, object: { key: 'uploads/p/x.csv', size: 10, etag: 'abc' } },
    });
    // a copy has no ETag in s3rver's event: the sequencer names it instead
    const copy = toObjectCreated({ eventName: 'ObjectCreated:Copy', eventTime: 't', s3: { bucket: { name: 'b' }, object: { key: 'k', sequencer: '18F' } } });
    expect(copy.detail.object).toEqual({ key: 'k', sequencer: '18F' });
  });

  it('VARSTREAM_* variables, with the documented defaults', () => {
    expect(optionsFromEnv({})).toMatchObject({ dataDir: '.varstream', bucket: 'varstream-local', apiPort: 3000, s3Port: 4569, dynamodbPort: 4567 });
    expect(optionsFromEnv({ VARSTREAM_API_PORT: '0', VARSTREAM_BUCKET: 'x', VARSTREAM_PORTFOLIOS: 'a, b', VARSTREAM_WORKERS: '3' })).toMatchObject({
      apiPort: 0,
      bucket: 'x',
      portfolios: ['a', 'b'],
      workers: 3,
    });
    expect(() => optionsFromEnv({ VARSTREAM_S3_PORT: 'http' })).toThrow(/VARSTREAM_S3_PORT=http/);
    expect(() => optionsFromEnv({ VARSTREAM_WORKERS: '0' })).toThrow(/VARSTREAM_WORKERS/);
    expect(optionsFromEnv({})).not.toHaveProperty('runTimeoutMs');
    expect(optionsFromEnv({ VARSTREAM_RUN_TIMEOUT_MS: '60000' }).runTimeoutMs).toBe(60_000);
    expect(() => optionsFromEnv({ VARSTREAM_RUN_TIMEOUT_MS: '1.5' })).toThrow(/VARSTREAM_RUN_TIMEOUT_MS=1\.5/);
  });
});

describe('a running stack', () => {
  let dataDir: string;
  let stack: LocalStack;
  const options = () => ({ dataDir, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, portfolios: ['sched', 'nothing'], logLevel: 'SILENT' });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'varstream-stack-'));
    stack = await startLocalStack(options());
  });
  afterAll(async () => {
    await stack?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  async function put(key: string, body: string): Promise<string> {
    const s3 = makeS3Client(stack.env);
    try {
      return (await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }))).ETag!;
    } finally {
      s3.destroy();
    }
  }
  const get = async (path: string) => {
    const res = await fetch(stack.apiUrl + path);
    return { status: res.status, json: (await res.json()) as any };
  };

  it('the schedule re-runs the latest upload of each configured portfolio, once per tick', async () => {
    await put('config/sched.json', JSON.stringify({ simulations: 1000, start: '2024-01-02' }));
    const a = stack.uploadRunId('uploads/sched/a.csv', await put('uploads/sched/a.csv', CSV));
    const b = stack.uploadRunId('uploads/sched/b.csv', await put('uploads/sched/b.csv', CSV.trimEnd()));
    expect((await stack.waitForRun(a, 30_000)).status).toBe('SUCCEEDED');
    expect((await stack.waitForRun(b, 30_000)).status).toBe('SUCCEEDED');

    const tick = new Date('2024-05-03T22:00:00Z');
    const first = await stack.fireSchedule(tick);
    // "nothing" has no upload: only sched runs, from its newest object
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ portfolioId: 'sched', key: 'uploads/sched/b.csv', started: true });
    expect((await stack.fireSchedule(tick))[0]).toMatchObject({ runId: first[0].runId, started: false });
    const run = await stack.waitForRun(first[0].runId, 30_000);
    expect(run).toMatchObject({ status: 'SUCCEEDED', portfolioId: 'sched', createdAt: tick.toISOString(), input: { key: 'uploads/sched/b.csv' } });
    // same bytes, same config, same seed → the scheduled re-run repeats the upload's numbers
    expect(run.risk!['0.99'].var).toBe((await stack.waitForRun(b)).risk!['0.99'].var);
    const list = await get('/portfolios/sched/runs');
    // newest first by createdAt: the scheduled run carries its tick time (2024), so it lists last
    const created = list.json.runs.map((r: { createdAt: string }) => r.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(list.json.runs[2].runId).toBe(first[0].runId);
    expect(new Set(list.json.runs.map((r: { runId: string }) => r.runId))).toEqual(new Set([a, b, first[0].runId]));
  });

  it('stop() with a run in flight records it FAILED; a restart on the same data keeps every run', async () => {
    await put('config/slow.json', JSON.stringify({ simulations: 2_000_000, shards: 4 }));
    const key = 'uploads/slow/x.csv';
    const runId = stack.uploadRunId(key, await put(key, CSV));
    // wait until the run is accepted (RUNNING), then pull the plug
    for (let i = 0; i < 200 && (await get(`/runs/${runId}`)).status !== 200; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await get(`/runs/${runId}`)).json.status).toBe('RUNNING');
    await stack.stop();

    stack = await startLocalStack(options());
    const { status, json } = await get(`/runs/${runId}`);
    expect(status).toBe(200);
    expect(json).toMatchObject({ status: 'FAILED', error: 'local stack stopped', portfolioId: 'slow' });
    // runs of the first session are still there, and the upload still names the same run
    expect((await get('/portfolios/sched/runs')).json.runs).toHaveLength(3);
    expect(runId).toBe(uploadRunId({ bucket: stack.bucket, key, sequencer: (await import('node:crypto')).createHash('md5').update(CSV).digest('hex') }));
  });
});

describe('a run past its deadline', () => {
  // The deadline must fall after Fit (hundreds of ms, more on a loaded machine) and long before the shards end.
  const DEADLINE_MS = 2_500;
  const SHARDS = 40; // the inline Map (the Distributed Map starts above 40)
  it('is FAILED "run timed out after …", its queued shards are dropped and a late step cannot make it SUCCEEDED', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'varstream-deadline-'));
    const stack = await startLocalStack({ dataDir, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, logLevel: 'SILENT', runTimeoutMs: DEADLINE_MS });
    try {
      const post = await fetch(`${stack.apiUrl}/runs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ portfolioId: 'late', csv: CSV, settings: { simulations: 300_000_000, shards: SHARDS } }),
      });
      expect(post.status).toBe(202);
      const { runId } = (await post.json()) as { runId: string };
      const run = await stack.waitForRun(runId, 30_000);
      expect(run).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/^run timed out after \d+ s \(TIMED_OUT\)$/), portfolioId: 'late' });
      // FAILED at the deadline, not after the shards (3·10⁸ samples: many seconds on one worker): the execution ended
      // with shards still to do (counted in its history, so a slow machine cannot fail this; it only has more left)
      const shardsDone = async () => {
        const { execution } = (await (await fetch(`${stack.apiUrl}/runs/${runId}?history=1`)).json()) as { execution: { history: Array<{ type: string; state?: string }> } };
        expect(execution.history.at(-1)?.type).toBe('ExecutionTimedOut');
        expect(execution.history).toContainEqual(expect.objectContaining({ type: 'StateEntered', state: 'Shards' }));
        return execution.history.filter((h) => h.type === 'MapIterationSucceeded').length;
      };
      expect(await shardsDone()).toBeLessThan(SHARDS);
      // the shard that was running finishes on its worker; nothing after it runs and the record stays FAILED
      await new Promise((r) => setTimeout(r, 1_500));
      const after = (await (await fetch(`${stack.apiUrl}/runs/${runId}`)).json()) as { status: string; reportKey?: string };
      expect(after.status).toBe('FAILED');
      expect(after.reportKey).toBeUndefined();
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
