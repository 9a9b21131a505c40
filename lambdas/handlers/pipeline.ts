// The state machine's flow in-process (local stack, tests): Fit → every shard → Reduce, any error → Fail.
// Same step functions, same S3/DynamoDB effects as on AWS; only the orchestration differs.
import type { RunRecord, ShardDescriptor, ShardPartial } from '../engine/types.ts';
import type { FailInput, RunInput } from './contracts.ts';
import type { Deps } from './deps.ts';
import { failStep } from './fail.ts';
import { fitStep } from './fit.ts';
import { reduceStep } from './reduce.ts';
import { simulateStep } from './simulate.ts';

export interface PipelineOptions {
  /** shards simulated at once (they are CPU-bound: more than the cores only interleaves) */
  concurrency?: number;
  onShard?: (done: number, total: number) => void;
}

/** Runs one run to its end and returns the stored record (SUCCEEDED or FAILED). Never throws for a run's own error. */
export async function runPipeline(input: RunInput, deps: Deps, options: PipelineOptions = {}): Promise<RunRecord> {
  try {
    const fitted = await fitStep(input, deps);
    const persist = fitted.descriptorsKey !== undefined;
    const descriptors = fitted.descriptors ?? (await deps.objects.getJson<ShardDescriptor[]>(deps.bucket, fitted.descriptorsKey!))!;
    const partials: ShardPartial[] = new Array(descriptors.length);
    let next = 0;
    let done = 0;
    let failed = false;
    const worker = async () => {
      // after one shard fails the run is FAILED: the other workers stop taking shards
      while (next < descriptors.length && !failed) {
        const i = next++;
        const out = await simulateStep({ descriptor: descriptors[i], persist }, deps).catch((e: unknown) => {
          failed = true;
          throw e;
        });
        if (!persist) partials[i] = out as ShardPartial;
        options.onShard?.(++done, descriptors.length);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 1, descriptors.length)) }, worker));
    const { descriptors: _d, descriptorsKey: _k, ...rest } = fitted;
    await reduceStep({ ...rest, ...(persist ? {} : { partials }) }, deps);
  } catch (e) {
    const err = e as Error;
    // the shape Step Functions hands the Catch target
    const failure: FailInput = { ...input, error: { Error: err.name, Cause: JSON.stringify({ errorType: err.name, errorMessage: err.message }) } };
    await failStep(failure, deps);
  }
  return (await deps.runs.get(input.runId))!;
}
