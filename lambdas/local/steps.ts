// The pipeline's Lambda functions as local steps: each runs its handler module's step function (the same code the
// middy handler wraps on AWS) with the local stack's deps. Used by the step workers and by in-process executions.
import type { Deps } from '../handlers/deps.ts';
import { failEvent } from '../handlers/fail.ts';
import { fitStep } from '../handlers/fit.ts';
import { reduceStep } from '../handlers/reduce.ts';
import { simulateStep } from '../handlers/simulate.ts';
import type { LambdaStep } from './definition.ts';

export type StepDeps = Pick<Deps, 'bucket' | 'objects' | 'runs' | 'inlineShardLimit' | 'logger'>;

type Step = (event: never, deps: StepDeps) => Promise<unknown>;

/** Each Lambda task's step function; the event is the state's JSON, typed by the handler that reads it. */
const STEPS: Record<LambdaStep, Step> = { fit: fitStep, simulate: simulateStep, reduce: reduceStep, fail: failEvent };

export function runStep(step: LambdaStep, event: unknown, deps: StepDeps): Promise<unknown> {
  return (STEPS[step] as (event: unknown, deps: StepDeps) => Promise<unknown>)(event, deps);
}

/** Runs a run's steps: `priority` orders runs (lower first); `cancel` drops a run's steps that have not started. */
export interface StepRunner {
  run(step: LambdaStep, event: unknown, priority: number): Promise<unknown>;
  cancel(priority: number, reason: Error): number;
}

/** Every step on this thread, one after the other as the executor calls them (tests; no pool). */
export function inProcessSteps(deps: StepDeps): StepRunner {
  return { run: (step, event) => runStep(step, event, deps), cancel: () => 0 };
}
