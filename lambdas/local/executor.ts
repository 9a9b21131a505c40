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
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ExecutionAbortedError, StateMachine } from 'aws-local-stepfunctions';
import type { RunRecord } from '../engine/types.ts';
import type { RunInput } from '../contracts/steps.ts';
import type { Deps } from '../handlers/deps.ts';
import type { LocalDefinition } from './asl-local.ts';
import type { LambdaStep } from './definition.ts';
import { type ExecutionState, type HistoryEvent, statusChange } from './execution-state.ts';
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

export class LocalExecutor {
  private readonly machine: StateMachine;
  private readonly executions = new Map<string, ExecutionState>();
  private readonly active = new Map<string, Promise<void>>();
  private readonly timeoutMs: number;
  private sequence = 0;

  constructor(private readonly options: ExecutorOptions) {
    this.machine = new StateMachine(options.local.definition);
    this.timeoutMs = options.runTimeoutMs ?? (options.local.timeoutSeconds ?? 7200) * 1000;
  }

  /** Deps['start']: StartExecution with name = runId; a name taken before (also in an earlier session) starts nothing. */
  readonly start = async (input: RunInput): Promise<{ started: boolean }> => {
    if (this.executions.has(input.runId)) return { started: false };
    const startDate = Date.now();
    const state: ExecutionState = { runId: input.runId, input, status: 'RUNNING', startDate, deadline: startDate + this.timeoutMs, history: [] };
    this.executions.set(input.runId, state);
    if (this.options.dir) {
      try {
        await mkdir(this.options.dir, { recursive: true });
        await writeFile(this.file(input.runId), JSON.stringify(state), { flag: 'wx' });
      } catch (e) {
        this.executions.delete(input.runId);
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return { started: false };
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

  /** Waits for every execution in flight to end. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active.values()]);
  }

  private file(runId: string): string {
    return join(this.options.dir!, `${runId}.json`);
  }

  private launch(state: ExecutionState): void {
    const run = this.execute(state, this.sequence++)
      .catch((e) => this.options.deps.logger.error('execution failed to run', e as Error))
      .finally(() => this.active.delete(state.runId));
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

    if (state.status !== 'SUCCEEDED') {
      // RunEndedRule: EventBridge hands the ended execution to the Fail function
      try {
        await steps.run('fail', statusChange(state), priority);
      } catch (e) {
        deps.logger.error('could not record FAILED', e as Error);
      }
    }
    if (this.options.dir) await this.persist(state);
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

  private async persist(state: ExecutionState): Promise<void> {
    const tmp = `${this.file(state.runId)}.tmp`;
    try {
      await writeFile(tmp, JSON.stringify(state));
      await rename(tmp, this.file(state.runId));
    } catch (e) {
      this.options.deps.logger.error('could not persist the execution', e as Error);
    }
  }
}
