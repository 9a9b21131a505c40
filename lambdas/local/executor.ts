// StartExecution for the local stack: each run is one execution of the synthesized state machine (asl-local.ts adapts
// it), interpreted by aws-local-stepfunctions. Lambda tasks run their function's handler step (steps.ts) through a
// StepRunner (the worker pool in the stack), shaped like Lambda's answers: an error reaches the Catch as
// {Error: errorType, Cause: '{"errorType","errorMessage"}'}. What Step Functions does around an execution is emulated
// here: the execution name (= runId) is taken once, the execution timeout ends it TIMED_OUT, and an execution that ends
// FAILED/TIMED_OUT/ABORTED is handed to the Fail function as EventBridge's status-change event (RunEndedRule).
//
// Each execution's state (runId, input, startDate, deadline, status, history) is a JSON file under
// <dataDir>/executions/<runId>.json (execution-state.ts), written when it starts and when it ends: a file still RUNNING
// at start-up is an execution a crash interrupted (`readExecutions` lists them; `resume` runs one again until its
// persisted deadline).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import type { RunRecord } from '../engine/types.ts';
import type { RunInput } from '../contracts/steps.ts';
import type { Deps } from '../handlers/deps.ts';
import type { LocalDefinition } from './asl-local.ts';
import type { LambdaStep } from './definition.ts';
import { type ExecutionState, type HistoryEvent, writeExecution } from './execution-state.ts';
import { settleEnded } from './recovery.ts';
import type { StepRunner } from './steps.ts';

/** The fields of aws-local-stepfunctions' event log entries that the history keeps. */
interface RawEvent {
  type: string;
  timestamp: number;
  state?: { name: string; type: string };
  parentState?: { name: string };
  index?: number;
  Error?: unknown;
  Cause?: unknown;
  retry?: { attempt: number };
}

export interface ExecutorEvents {
  started?: (input: RunInput) => void;
  finished?: (record: RunRecord, ms: number) => void;
}

export interface ExecutorOptions {
  local: LocalDefinition;
  steps: StepRunner;
  deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'logger'>;
  /** where execution states are persisted (<dataDir>/executions); none: in memory only */
  dir?: string;
  /** the execution timeout in ms (default: the definition's TimeoutSeconds) */
  runTimeoutMs?: number;
  /** first wait before recording an execution's end again after a write failed (doubles up to 30 s; default 1 s) */
  settleRetryMs?: number;
  events?: ExecutorEvents;
}

/** A Lambda function's failure as Step Functions sees it: Error = errorType, Cause = the JSON Lambda returns. */
export function lambdaFailure(e: unknown): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  const failure = new Error(JSON.stringify({ errorType: err.name, errorMessage: err.message }));
  failure.name = err.name;
  return failure;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const MAX_SETTLE_RETRY_MS = 30_000;

export class LocalExecutor {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, ExecutionState>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly unsettled = new Map<string, { attempts: number; timer: NodeJS.Timeout }>();
  private readonly timeoutMs: number;
  private readonly retryMs: number;
  private sequence = 0;
  private draining = false;

  constructor(private readonly options: ExecutorOptions) {
    this.machine = new StateMachine(options.local.definition);
    this.timeoutMs = options.runTimeoutMs ?? (options.local.timeoutSeconds ?? 7200) * 1000;
    this.retryMs = options.settleRetryMs ?? 1000;
  }

  /** Deps['start']: StartExecution with name = runId; a name taken before (also in an earlier session) starts nothing. */
  readonly start = async (input: RunInput): Promise<{ started: boolean }> => {
    if (this.executions.has(input.runId)) return { started: false };
    const startDate = Date.now();
    const state: ExecutionState = { runId: input.runId, input, status: 'RUNNING', startDate, deadline: startDate + this.timeoutMs, history: [] };
    this.executions.set(input.runId, state);
    if (this.options.dir) {
      let taken = false;
      try {
        await mkdir(this.options.dir, { recursive: true });
        // wx: the name is taken once, also by another process on the same data
        await writeFile(this.file(input.runId), JSON.stringify(state), { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
          taken = e.code === 'EEXIST';
          throw e;
        });
      } catch (e) {
        if (taken) {
          this.executions.delete(input.runId);
          return { started: false };
        }
        // the state file cannot be written (a full disk): this request fails, and the run ends FAILED with the write
        // error as soon as that can be recorded
        Object.assign(state, { status: 'FAILED', stopDate: Date.now(), error: 'States.Runtime', cause: `could not start the execution: ${(e as Error).message}` });
        void this.settle(state);
        throw e;
      }
    }
    this.launch(state);
    return { started: true };
  };

  /** Runs a persisted execution again from its start (same runId, startDate and deadline). */
  resume(state: ExecutionState): void {
    const again: ExecutionState = { ...state, status: 'RUNNING', history: [...state.history] };
    delete again.stopDate;
    this.executions.set(state.runId, again);
    this.launch(again);
  }

  /** An execution's state and history (in memory, else from its file), or undefined. */
  async describe(runId: string): Promise<ExecutionState | undefined> {
    const known = this.executions.get(runId);
    if (known) return known;
    if (!this.options.dir) return undefined;
    try {
      return JSON.parse(await readFile(this.file(runId), 'utf-8')) as ExecutionState;
    } catch {
      return undefined;
    }
  }

  /** The execution once it has ended (undefined for a runId never started here). */
  async settled(runId: string): Promise<ExecutionState | undefined> {
    await this.active.get(runId);
    return this.describe(runId);
  }

  /** Executions in flight. */
  get inFlight(): number {
    return this.active.size;
  }

  /** Resolves with the run once it is SUCCEEDED or FAILED (also runs started by another process on the same data). */
  async waitForRun(runId: string, timeoutMs = 120_000): Promise<RunRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const active = this.active.get(runId);
      if (active) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([active, new Promise((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now()))))]);
        clearTimeout(timer);
      }
      const record = await this.options.deps.runs.get(runId);
      if (record && record.status !== 'RUNNING') return record;
      if (Date.now() >= deadline) throw new Error(`run ${runId}: still ${record?.status ?? 'unknown'} after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

  /**
   * Records an ended execution on its run (settleEnded: FAILED with its error unless it succeeded, then its state
   * file). While a write fails (ENOSPC, an unwritable folder) it tries again with backoff, so the run ends FAILED with
   * that error once the disk has room, without a restart; until then the execution stays in memory for describe().
   */
  readonly settle = async (state: ExecutionState, priority = this.sequence++): Promise<void> => {
    const { dir, steps, deps } = this.options;
    try {
      await settleEnded(state, { fail: (change) => steps.run('fail', change, priority), ...(dir ? { persist: (s: ExecutionState) => writeExecution(dir, s) } : {}) });
    } catch (e) {
      const attempts = (this.unsettled.get(state.runId)?.attempts ?? 0) + 1;
      if (attempts === 1) deps.logger.error('could not record the end of the execution: retrying', { runId: state.runId, error: (e as Error).message });
      this.executions.set(state.runId, state);
      if (this.draining) return;
      const timer = setTimeout(() => void this.settle(state, priority), Math.min(MAX_SETTLE_RETRY_MS, this.retryMs * 2 ** (attempts - 1)));
      timer.unref();
      this.unsettled.set(state.runId, { attempts, timer });
      return;
    }
    this.unsettled.delete(state.runId);
    if (dir && !this.active.has(state.runId)) this.executions.delete(state.runId);
  };

  /** Ended executions whose end is not recorded yet (a write keeps failing). */
  get unsettledCount(): number {
    return this.unsettled.size;
  }

  /** Waits for every execution in flight to end, then tries once more to record those a failed write left open. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active.values()]);
    this.draining = true;
    const left = [...this.unsettled.entries()];
    for (const [, { timer }] of left) clearTimeout(timer);
    await Promise.allSettled(left.map(([runId]) => this.settle(this.executions.get(runId)!)));
  }

  private file(runId: string): string {
    return join(this.options.dir!, `${runId}.json`);
  }

  private launch(state: ExecutionState): void {
    const run = this.execute(state, this.sequence++)
      .catch((e) => this.options.deps.logger.error('execution failed to run', e as Error))
      .finally(() => {
        this.active.delete(state.runId);
        // recorded and in its file: describe() reads it from there (memory holds what runs or is not yet recorded)
        if (this.options.dir && !this.unsettled.has(state.runId)) this.executions.delete(state.runId);
      });
    this.active.set(state.runId, run);
  }

  private async execute(state: ExecutionState, priority: number): Promise<void> {
    const t0 = performance.now();
    const { local, steps, deps } = this.options;
    this.options.events?.started?.(state.input);
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, step] of Object.entries(local.lambdaTasks)) handlers[name] = (input) => this.invoke(step, input, priority);
    for (const name of Object.keys(local.itemReaders)) handlers[name] = (input) => this.readItems(input as { Bucket: string; Key: string });

    const execution = this.machine.run(state.input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      context: { Execution: { Id: `local:execution:${state.runId}`, Name: state.runId } },
    });
    const recorded = this.record(state, execution.eventLogs, priority);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      execution.abort();
      // the steps of this run not started yet never start; one already running finishes, its result ignored
      steps.cancel(priority, Object.assign(new Error('execution timed out'), { name: 'States.Timeout' }));
    }, Math.max(0, state.deadline - Date.now()));
    try {
      await execution.result;
      state.status = 'SUCCEEDED';
    } catch (e) {
      if (timedOut) state.status = 'TIMED_OUT';
      else if (e instanceof ExecutionAbortedError) state.status = 'ABORTED';
      else {
        state.status = 'FAILED';
        const cause = (e as Error).cause as Error | undefined;
        state.error = cause?.name ?? (e as Error).name;
        state.cause = cause?.message ?? (e as Error).message;
      }
    } finally {
      clearTimeout(timer);
    }
    state.stopDate = timedOut ? state.deadline : Date.now();
    await Promise.race([recorded, sleep(1000)]);
    if (timedOut) state.history.push({ timestamp: new Date(state.stopDate).toISOString(), type: 'ExecutionTimedOut' });

    // RunEndedRule: EventBridge hands an execution that did not succeed to the Fail function
    await this.settle(state, priority);
    const record = await deps.runs.get(state.runId).catch(() => undefined);
    if (record) this.options.events?.finished?.(record, performance.now() - t0);
  }

  /** A Lambda task: the function's step, its error shaped as Lambda's. */
  private async invoke(step: LambdaStep, input: unknown, priority: number): Promise<unknown> {
    try {
      return await this.options.steps.run(step, input, priority);
    } catch (e) {
      throw lambdaFailure(e);
    }
  }

  /** The Distributed Map's ItemReader: the JSON array at s3://Bucket/Key of local S3. */
  private async readItems(input: { Bucket: string; Key: string }): Promise<unknown> {
    const { deps } = this.options;
    const items = await deps.objects.getJson<unknown>(input.Bucket, input.Key).catch((e: Error) => {
      throw Object.assign(new Error(`s3://${input.Bucket}/${input.Key}: ${e.message}`), { name: 'States.ItemReaderFailed' });
    });
    if (!Array.isArray(items)) throw Object.assign(new Error(`s3://${input.Bucket}/${input.Key}: ${items === undefined ? 'no such object' : 'not a JSON array'}`), { name: 'States.ItemReaderFailed' });
    return items;
  }

  /** Keeps the history (no state data: partials can be large); a failed Map drops its run's steps not yet started. */
  private async record(state: ExecutionState, events: AsyncGenerator<unknown>, priority: number): Promise<void> {
    for await (const event of events) {
      const e = event as RawEvent;
      const h: HistoryEvent = { timestamp: new Date(e.timestamp).toISOString(), type: e.type };
      const s = e.state ?? e.parentState;
      if (s) h.state = s.name;
      if (e.index !== undefined) h.index = e.index;
      if (e.Error !== undefined) h.error = String(e.Error);
      if (e.Cause !== undefined) h.cause = typeof e.Cause === 'string' ? e.Cause : e.Cause instanceof Error ? e.Cause.message : JSON.stringify(e.Cause);
      if (e.retry) h.attempt = e.retry.attempt;
      state.history.push(h);
      if (e.type === 'StateFailed' && e.state?.type === 'Map' && e.index === undefined)
        this.options.steps.cancel(priority, Object.assign(new Error('Map state failed'), { name: 'States.Cancelled' }));
    }
  }

}
