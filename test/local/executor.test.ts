// The synthesized state machine, executed: the definition `cdk synth` emits for AWS, adapted once (asl-local.ts) and
// run by aws-local-stepfunctions against real local S3 and DynamoDB, every Lambda task on its handler's step. Both
// branches, every Catch path, the retry of a transient Lambda error, the execution timeout and the status-change rule.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeDocumentClient, makeDynamoClient, makeS3Client } from '../../lambdas/adapters/clients.ts';
import { S3ObjectStore } from '../../lambdas/adapters/object-store.ts';
import { DynamoRunStore, createRunsTableInput } from '../../lambdas/adapters/run-store.ts';
import type { FitOutput, RunInput } from '../../lambdas/contracts/steps.ts';
import type { Deps } from '../../lambdas/handlers/deps.ts';
import { adaptDefinition, localDefinition, READER_ITEMS_FIELD } from '../../lambdas/local/asl-local.ts';
import { synthesize, synthesizedDefinition, type LambdaStep } from '../../lambdas/local/definition.ts';
import { type ExecutionState, readExecutions } from '../../lambdas/local/execution-state.ts';
import { LocalExecutor } from '../../lambdas/local/executor.ts';
import { inProcessSteps, type StepRunner } from '../../lambdas/local/steps.ts';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'varstream-executor';
const TABLE = 'varstream-runs-executor';
const CSV = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8');
const SETTINGS = { simulations: 20_000, shards: 4, seed: 11 };

let aws: LocalAws;
let deps: Deps;
let n = 0;

const named = (name: string, message: string) => Object.assign(new Error(message), { name });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Hooks {
  before?: (step: LambdaStep, event: any) => unknown;
  after?: (step: LambdaStep, event: any, out: any) => unknown;
}

/** The in-process steps with a hook before and after each (the fault injection of these tests). */
function steps(hooks: Hooks = {}, d: Deps = deps): StepRunner {
  const inner = inProcessSteps(d);
  return {
    run: async (step, event, priority) => {
      await hooks.before?.(step, event);
      const out = await inner.run(step, event, priority);
      await hooks.after?.(step, event, out);
      return out;
    },
    cancel: inner.cancel,
  };
}

/** Uploads the CSV (or `csv`) and executes the definition on it; returns the execution and the stored run. */
async function execute(options: { csv?: string; settings?: Record<string, unknown>; hooks?: Hooks; inlineShardLimit?: number; runTimeoutMs?: number; dir?: string } = {}) {
  const runId = `exec-${++n}`;
  const key = `uploads/tech/${runId}.csv`;
  await deps.objects.putText(BUCKET, key, options.csv ?? CSV, 'text/csv');
  const d = { ...deps, inlineShardLimit: options.inlineShardLimit ?? deps.inlineShardLimit };
  const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: d.inlineShardLimit });
  const executor = new LocalExecutor({ local, steps: steps(options.hooks, d), deps: d, runTimeoutMs: options.runTimeoutMs, dir: options.dir });
  const input: RunInput = { runId, portfolioId: 'tech', input: { bucket: BUCKET, key }, createdAt: '2024-05-01T22:00:00.000Z', settings: options.settings ?? SETTINGS, origin: 'upload' };
  expect(await executor.start(input)).toEqual({ started: true });
  const execution = (await executor.settled(runId))!;
  return { runId, execution, record: (await d.runs.get(runId))!, executor, input };
}

const types = (e: ExecutionState, state?: string) => e.history.filter((h) => state === undefined || h.state === state).map((h) => h.type);

beforeAll(async () => {
  aws = await startLocalAws({ buckets: [BUCKET] });
  await makeDynamoClient().send(new CreateTableCommand(createRunsTableInput(TABLE)));
  const objects = new S3ObjectStore(BUCKET, makeS3Client());
  deps = {
    bucket: BUCKET,
    objects,
    runs: new DynamoRunStore(TABLE, makeDocumentClient(), objects),
    start: async () => ({ started: false }),
    portfolios: [],
    inlineShardLimit: 40,
    logger: new Logger({ logLevel: 'SILENT' }),
  };
});
afterAll(async () => aws?.stop());

describe('the local adapter of the synthesized definition', () => {
  it('serves the Distributed Map ItemReader from a Task in front of the Map; Lambda tasks resolve by function', async () => {
    const source = await synthesizedDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
    const local = adaptDefinition(source);
    const states = local.definition.States as Record<string, any>;
    expect(local.lambdaTasks).toEqual({ Fit: 'fit', Simulate: 'simulate', SimulateDistributed: 'simulate', Reduce: 'reduce', RecordFailure: 'fail' });
    expect(local.itemReaders).toEqual({ ShardsDistributedItemReader: { map: 'ShardsDistributed' } });
    expect(local.timeoutSeconds).toBe(7200);
    expect((local.definition as { TimeoutSeconds?: number }).TimeoutSeconds).toBeUndefined();
    const reader = states.ShardsDistributedItemReader;
    expect(reader).toMatchObject({ Type: 'Task', Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: BUCKET, 'Key.$': '$.descriptorsKey' }, Next: 'ShardsDistributed' });
    expect(reader.Catch).toEqual(states.ShardsDistributed.Catch);
    expect(states.ShardsDistributed.ItemReader).toBeUndefined();
    expect(states.ShardsDistributed.ItemsPath).toBe(`$.${READER_ITEMS_FIELD}`);
    expect(states.HowManyShards.Choices[0].Next).toBe('ShardsDistributedItemReader');
    // the source is untouched
    expect((source.States.ShardsDistributed as any).ItemReader).toBeDefined();
  });

  it('the cached definition is what building the stack gives now', async () => {
    const settings = { bucket: BUCKET, inlineShardLimit: 40 };
    expect(await synthesizedDefinition(settings)).toEqual(await synthesize(settings));
  });

  it('refuses what it cannot serve, naming the state', async () => {
    const source = await synthesizedDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
    const withField = (field: string, value: unknown) => {
      const d = structuredClone(source) as any;
      d.States.ShardsDistributed[field] = value;
      return d;
    };
    expect(() => adaptDefinition(withField('ItemBatcher', { MaxItemsPerBatch: 2 }))).toThrow('state ShardsDistributed: ItemBatcher is not supported locally');
    expect(() => adaptDefinition(withField('ResultWriter', { Resource: 'arn:aws:states:::s3:putObject' }))).toThrow('ResultWriter is not supported locally');
    const other = structuredClone(source) as any;
    other.States.Fit.Resource = 'arn:aws:lambda:us-east-1:1:function:elsewhere';
    expect(() => adaptDefinition(other)).toThrow('state Fit: no local handler for Resource arn:aws:lambda:us-east-1:1:function:elsewhere');
  });
});

describe('executions of the synthesized definition', () => {
  let clean: Awaited<ReturnType<typeof execute>>;
  beforeAll(async () => {
    clean = await execute();
  });

  it('inline Map: SUCCEEDED, and the history walks Fit → HowManyShards → Shards → ReduceInput → Reduce → RunSucceeded', () => {
    expect(clean.execution.status).toBe('SUCCEEDED');
    expect(clean.record.status).toBe('SUCCEEDED');
    const entered = clean.execution.history.filter((h) => h.type === 'StateEntered' && h.index === undefined).map((h) => h.state);
    expect(entered).toEqual(['Fit', 'HowManyShards', 'Shards', 'ReduceInput', 'Reduce', 'RunSucceeded']);
    expect(clean.execution.history.filter((h) => h.type === 'MapIterationSucceeded')).toHaveLength(4);
    expect(clean.execution.history.at(-1)?.type).toBe('ExecutionSucceeded');
  });

  it('Distributed Map: descriptors read from local S3, partials written there, the same numbers to the last digit', async () => {
    const { execution, record, runId } = await execute({ inlineShardLimit: 2 });
    expect(execution.status).toBe('SUCCEEDED');
    const entered = execution.history.filter((h) => h.type === 'StateEntered' && h.index === undefined).map((h) => h.state);
    expect(entered).toEqual(['Fit', 'HowManyShards', 'ShardsDistributedItemReader', 'ShardsDistributed', 'ReduceInputDistributed', 'Reduce', 'RunSucceeded']);
    expect(await deps.objects.head(BUCKET, `partials/${runId}/3.json`)).toBeDefined();
    expect(record.risk).toEqual(clean.record.risk);
  });

  it('an InputError: FAILED with FILE:LINE:COLUMN, and the execution ends with error InputError and that message', async () => {
    const bad = CSV.split('\n').map((l, i) => (i === 5 ? l.replace(/,([^,]+)$/, ',abc') : l)).join('\n');
    const { execution, record, runId } = await execute({ csv: bad });
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatch(new RegExp(`^uploads/tech/${runId}\\.csv:6:\\d+: `));
    expect(execution.status).toBe('FAILED');
    expect(execution.error).toBe('InputError');
    expect(JSON.parse(execution.cause!)).toEqual({ errorType: 'InputError', errorMessage: record.error });
    expect(types(execution, 'Fit')).toEqual(['StateEntered', 'StateFailed', 'StateCaught', 'StateExited']);
    // never retried: an InputError is the user's file
    expect(types(execution).filter((t) => t === 'StateRetried')).toEqual([]);
    expect(execution.history.filter((h) => h.type === 'StateEntered').map((h) => h.state).slice(-2)).toEqual(['RecordFailure', 'RunFailed']);
  });

  const failing = (step: LambdaStep, shard?: number): Hooks => ({
    before: (s, e) => {
      if (s === step && (shard === undefined || e.descriptor?.shard === shard)) throw named('ShardLost', `${step} broke`);
    },
  });

  it.each([
    ['Shards', { hooks: failing('simulate', 2) }],
    ['ShardsDistributed', { hooks: failing('simulate', 2), inlineShardLimit: 2 }],
    ['Reduce', { hooks: failing('reduce') }],
  ])('the Catch of %s: FAILED with the step error, the execution ends with its name', async (state, options) => {
    const { execution, record } = await execute(options);
    expect(record).toMatchObject({ status: 'FAILED', error: expect.stringMatching(/ broke$/) });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'ShardLost' });
    expect(types(execution, state)).toContain('StateCaught');
    expect(record.reportKey).toBeUndefined();
  });

  it('the Catch of the ItemReader: a descriptors file that is gone fails the run naming it', async () => {
    const gone: Hooks = ({ after: async (s, _e, out: FitOutput) => s === 'fit' && out.descriptorsKey && deps.objects.putText(BUCKET, out.descriptorsKey, '{"not": "an array"}', 'application/json') });
    const { execution, record, runId } = await execute({ hooks: gone, inlineShardLimit: 2 });
    expect(record).toMatchObject({ status: 'FAILED', error: `s3://${BUCKET}/partials/${runId}/descriptors.json: not a JSON array` });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(types(execution, 'ShardsDistributedItemReader')).toContain('StateCaught');
  });

  it('retries a transient Lambda error: a shard that throws once then succeeds gives the clean numbers', async () => {
    let thrown = 0;
    const flaky: Hooks = ({
      before: (s, e) => {
        if (s === 'simulate' && e.descriptor.shard === 1 && thrown++ === 0) throw named('Lambda.TooManyRequestsException', 'Rate exceeded');
      },
    });
    const { execution, record } = await execute({ hooks: flaky });
    expect(thrown).toBe(2);
    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.history.filter((h) => h.type === 'StateRetried')).toMatchObject([{ state: 'Simulate', index: 1, attempt: 1 }]);
    expect(record.risk).toEqual(clean.record.risk);
  });

  it('the execution timeout: TIMED_OUT, recorded FAILED by the status-change rule, nothing after it runs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varstream-executions-'));
    try {
      const ran: LambdaStep[] = [];
      // Fit is held until the execution has ended: the timeout must not wait for a running step (if it did, this
      // test would hang until vitest's timeout, whatever the machine's speed)
      let releaseFit!: () => void;
      const fitHeld = new Promise<void>((resolve) => (releaseFit = resolve));
      const slow: Hooks = ({
        before: async (s) => {
          ran.push(s);
          if (s === 'fit') await fitHeld;
        },
      });
      const { execution, record, runId } = await execute({ hooks: slow, runTimeoutMs: 300, dir });
      expect(record).toMatchObject({ status: 'FAILED', error: 'run timed out after 300 ms (TIMED_OUT)' });
      expect(execution.status).toBe('TIMED_OUT');
      expect(execution.stopDate! - execution.startDate).toBe(300);
      releaseFit();
      await sleep(1_200);
      // Fit finished late on its own; the execution had ended, so no shard, no Reduce, and the record stays FAILED
      expect(ran).toEqual(['fit', 'fail']);
      expect((await deps.runs.get(runId))!.status).toBe('FAILED');
      // the execution's state is persisted: runId, deadline, status, history
      const [persisted] = await readExecutions(dir);
      expect(persisted).toMatchObject({ runId, status: 'TIMED_OUT', deadline: execution.startDate + 300 });
      expect(persisted.history.at(-1)?.type).toBe('ExecutionTimedOut');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("the status-change rule's Fail: RecordFailure itself failing still ends the run FAILED with the cause", async () => {
    const broken: Hooks = ({
      before: (s, e) => {
        if (s === 'fit') throw named('ShardLost', 'fit broke');
        if (s === 'fail' && !e['detail-type']) throw named('DynamoDown', 'cannot write');
      },
    });
    const { execution, record } = await execute({ hooks: broken });
    expect(execution).toMatchObject({ status: 'FAILED', error: 'DynamoDown' });
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatch(/^run failed after \d+ (ms|s): cannot write \(FAILED\)$/);
  });

  it('a full disk: the run ends FAILED with the write error once the disk has room again, without a restart', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varstream-executions-'));
    try {
      let full = true;
      const enospc = () => named('InternalServerError', 'local DynamoDB: IO error: 000005.log: No space left on device');
      // Fit's write fails, then every FAILED write (the Catch's RecordFailure and the status-change rule) while full
      const disk: Hooks = {
        before: (s) => {
          if (s === 'fit') throw named('Error', 'local S3: ENOSPC: no space left on device, write');
          if (s === 'fail' && full) throw enospc();
        },
      };
      const runId = `exec-${++n}`;
      const key = `uploads/tech/${runId}.csv`;
      await deps.objects.putText(BUCKET, key, CSV, 'text/csv');
      const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
      const executor = new LocalExecutor({ local, steps: steps(disk), deps, dir, settleRetryMs: 20 });
      const input: RunInput = { runId, portfolioId: 'tech', input: { bucket: BUCKET, key }, createdAt: '2024-05-01T22:00:00.000Z', settings: SETTINGS, origin: 'upload' };
      await executor.start(input);
      const ended = (await executor.settled(runId))!;
      expect(ended).toMatchObject({ status: 'FAILED', error: 'InternalServerError' });
      // nothing recorded yet (Fit never wrote RUNNING), the file still says RUNNING, and the executor keeps trying
      await sleep(200);
      expect(await deps.runs.get(runId)).toBeUndefined();
      expect(executor.unsettledCount).toBe(1);
      expect((await readExecutions(dir)).map((e) => e.status)).toEqual(['RUNNING']);
      full = false;
      await vi.waitFor(async () => expect(executor.unsettledCount).toBe(0), { timeout: 5000, interval: 20 });
      const record = (await deps.runs.get(runId))!;
      expect(record).toMatchObject({ status: 'FAILED', portfolioId: 'tech', input: { bucket: BUCKET, key } });
      expect(record.error).toMatch(/^run failed after \d+ (ms|s): local DynamoDB: IO error: 000005\.log: No space left on device \(FAILED\)$/);
      expect((await readExecutions(dir)).map((e) => [e.runId, e.status])).toEqual([[runId, 'FAILED']]);
      expect((await executor.describe(runId))?.status).toBe('FAILED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an execution that cannot be started (its state file cannot be written): that start fails, the run ends FAILED with the error', async () => {
    const root = await mkdtemp(join(tmpdir(), 'varstream-executions-'));
    try {
      // a file where the executions folder should be: mkdir fails, as on a full or read-only disk
      const dir = join(root, 'executions');
      await writeFile(dir, 'in the way');
      const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
      const executor = new LocalExecutor({ local, steps: steps(), deps, dir, settleRetryMs: 20 });
      const runId = `exec-${++n}`;
      const input: RunInput = { runId, portfolioId: 'tech', input: { bucket: BUCKET, key: `uploads/tech/${runId}.csv` }, createdAt: '2024-05-01T22:00:00.000Z', origin: 'api' };
      await expect(executor.start(input)).rejects.toMatchObject({ code: 'EEXIST' });
      await vi.waitFor(async () => expect((await deps.runs.get(runId))?.status).toBe('FAILED'), { timeout: 5000, interval: 20 });
      expect((await deps.runs.get(runId))!.error).toMatch(/^run failed after \d+ ms: could not start the execution: EEXIST: file already exists, mkdir .* \(FAILED\)$/);
      // its state file still cannot be written: it is kept trying (and answered from memory) until the stack stops
      expect(executor.unsettledCount).toBe(1);
      expect((await executor.describe(runId))?.status).toBe('FAILED');
      await executor.drain();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('resume: an execution persisted RUNNING (a crash) runs again to its end under its persisted deadline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varstream-executions-'));
    try {
      const runId = `exec-${++n}`;
      const key = `uploads/tech/${runId}.csv`;
      await deps.objects.putText(BUCKET, key, CSV, 'text/csv');
      const input: RunInput = { runId, portfolioId: 'tech', input: { bucket: BUCKET, key }, createdAt: '2024-05-01T22:00:00.000Z', settings: SETTINGS, origin: 'upload' };
      const startDate = Date.now() - 1_000;
      const crashed: ExecutionState = { runId, input, status: 'RUNNING', startDate, deadline: startDate + 60_000, history: [] };
      const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
      const executor = new LocalExecutor({ local, steps: steps(), deps, dir });
      executor.resume(crashed);
      const done = (await executor.settled(runId))!;
      expect(done).toMatchObject({ status: 'SUCCEEDED', startDate, deadline: startDate + 60_000 });
      expect((await deps.runs.get(runId))!.risk).toEqual(clean.record.risk);
      expect((await readExecutions(dir)).map((e) => [e.runId, e.status])).toEqual([[runId, 'SUCCEEDED']]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a runId is one execution: a second start of the same name starts nothing, also across executors on one dir', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'varstream-executions-'));
    try {
      const first = await execute({ dir });
      expect(await first.executor.start(first.input)).toEqual({ started: false });
      const local = await localDefinition({ bucket: BUCKET, inlineShardLimit: 40 });
      const second = new LocalExecutor({ local, steps: steps(), deps, dir });
      expect(await second.start(first.input)).toEqual({ started: false });
      expect((await second.describe(first.runId))?.status).toBe('SUCCEEDED');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
