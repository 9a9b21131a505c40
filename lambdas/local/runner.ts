// The state machine's flow for the local stack: Fit → every shard → Reduce on the step pool's worker threads, any
// error → the Fail step (on this thread) → FAILED with the one-line message. Same steps, same S3/DynamoDB effects as
// on AWS; only the orchestration (Step Functions there, promises here) differs. `start` plays StartExecution with
// name = runId: a runId seen before never starts a second run.
import type { RunRecord, ShardDescriptor, ShardPartial } from '../engine/types.ts';
import type { FailInput, FitOutput, ReduceInput, RunInput } from '../handlers/contracts.ts';
import type { Deps } from '../handlers/deps.ts';
import { failStep, formatDuration } from '../handlers/fail.ts';
import { StepError, type StepName, type StepPool } from './step-pool.ts';

/** How long a local run may take before it is FAILED "run timed out after …" (VARSTREAM_RUN_TIMEOUT_MS). */
export const DEFAULT_RUN_TIMEOUT_MS = 15 * 60_000;

export interface RunnerOptions {
  /** per-run deadline in ms (default 15 min) */
  runTimeoutMs?: number;
}

export type RunnerDeps = Pick<Deps, 'bucket' | 'objects' | 'runs' | 'logger'>;

export interface RunEvents {
  started?: (input: RunInput) => void;
  finished?: (record: RunRecord, ms: number) => void;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class LocalRunner {
  private readonly seen = new Set<string>();
  private readonly active = new Map<string, Promise<RunRecord | undefined>>();
  private sequence = 0;

  constructor(
    private readonly pool: StepPool,
    private readonly deps: RunnerDeps,
    private readonly events: RunEvents = {},
    private readonly options: RunnerOptions = {},
  ) {}

  /** Deps['start']: accepts a run once per runId and runs it in the background. */
  readonly start = async (input: RunInput): Promise<{ started: boolean }> => {
    if (this.seen.has(input.runId)) return { started: false };
    this.seen.add(input.runId);
    // the API writes RUNNING itself before starting; uploads and schedule ticks are recorded here, so the run is
    // visible (and a duplicate from an earlier session refused) while it waits for a worker
    if (input.origin !== 'api') {
      try {
        const { created } = await this.deps.runs.create({
          runId: input.runId,
          portfolioId: input.portfolioId,
          status: 'RUNNING',
          createdAt: input.createdAt,
          input: input.input,
          ...(input.settings ? { settings: input.settings } : {}),
        });
        if (!created) return { started: false };
      } catch (e) {
        this.seen.delete(input.runId);
        throw e;
      }
    }
    const priority = this.sequence++;
    const run = this.execute(input, priority).finally(() => this.active.delete(input.runId));
    this.active.set(input.runId, run);
    return { started: true };
  };

  /** Runs in flight (started, not yet SUCCEEDED or FAILED). */
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
      const record = await this.deps.runs.get(runId);
      if (record && record.status !== 'RUNNING') return record;
      if (Date.now() >= deadline) throw new Error(`run ${runId}: still ${record?.status ?? 'unknown'} after ${timeoutMs} ms`);
      // not started yet (the upload event is on its way) or running elsewhere: poll
      await sleep(50);
    }
  }

  /** Waits for every run in flight to settle (after the pool stopped, they settle as FAILED). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active.values()]);
  }

  private async execute(input: RunInput, priority: number): Promise<RunRecord | undefined> {
    const t0 = performance.now();
    this.events.started?.(input);
    // the state machine's execution timeout: past the deadline the run is FAILED and its queued steps dropped
    const timeoutMs = this.options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
    const abandon = { reason: undefined as Error | undefined };
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StepError('RunTimedOut', `run timed out after ${formatDuration(timeoutMs)} (TIMED_OUT)`)), timeoutMs);
    });
    const work = this.steps(input, priority, abandon);
    work.catch(() => undefined); // after a timeout nobody awaits it any more
    try {
      await Promise.race([work, deadline]);
    } catch (e) {
      const err = e as Error;
      // timed out, or one shard failed: the run is FAILED, so its queued steps (the other shards) are dropped and no
      // new one is queued; a step already running finishes on its worker, its result ignored (the store keeps FAILED)
      abandon.reason = err;
      this.pool.cancel(priority, err);
      // the shape Step Functions hands the Catch target
      const failure: FailInput = { ...input, error: { Error: err.name, Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message }) } };
      try {
        await failStep(failure, this.deps);
      } catch (e2) {
        this.deps.logger.error('could not record FAILED', e2 as Error);
      }
    } finally {
      clearTimeout(timer);
    }
    const record = await this.deps.runs.get(input.runId).catch(() => undefined);
    if (record) this.events.finished?.(record, performance.now() - t0);
    return record;
  }

  /** Fit → every shard → Reduce; refuses to queue another step once the run is abandoned. */
  private async steps(input: RunInput, priority: number, abandon: { reason?: Error }): Promise<void> {
    const run = <T>(step: StepName, event: unknown): Promise<T> => (abandon.reason ? Promise.reject(abandon.reason) : this.pool.run<T>(step, event, priority));
    const fitted = await run<FitOutput>('fit', input);
    const persist = fitted.descriptorsKey !== undefined;
    const descriptors = fitted.descriptors ?? (await this.deps.objects.getJson<ShardDescriptor[]>(this.deps.bucket, fitted.descriptorsKey!));
    if (!descriptors) throw new Error(`run ${input.runId}: missing shard descriptors ${fitted.descriptorsKey}`);
    // the Map state: every shard at once, the pool runs as many as it has workers
    const outputs = await Promise.all(descriptors.map((descriptor) => run<ShardPartial>('simulate', { descriptor, persist })));
    const { descriptors: _d, descriptorsKey: _k, ...rest } = fitted;
    const reduce: ReduceInput = { ...rest, ...(persist ? {} : { partials: outputs }) };
    await run('reduce', reduce);
  }
}
