// The pipeline's Lambda functions as local steps: each runs its handler module's step function (the same code the
// middy handler wraps on AWS) with the local stack's deps. Used by the step workers and by in-process executions.
import type { Deps } from '../handlers/deps.ts';
import { failEvent } from '../handlers/fail.ts';
import { fitStep } from '../handlers/fit.ts';
import { reduceStep } from '../handlers/reduce.ts';
import { simulateStep } from '../handlers/simulate.ts';
import type { LambdaStep } from './definition.ts';

export type StepDeps = Pick<Deps, 'bucket' | 'objects' | 'runs' | 'inlineShardLimit' | 'logger'>;

export function runStep(step: LambdaStep, event: unknown, deps: StepDeps): Promise<unknown> {
  switch (step) {
    case 'fit':
      return fitStep(event as Parameters<typeof fitStep>[0], deps);
    case 'simulate':
      return simulateStep(event as Parameters<typeof simulateStep>[0], deps);
    case 'reduce':
      return reduceStep(event as Parameters<typeof reduceStep>[0], deps);
    case 'fail':
      return failEvent(event as Parameters<typeof failEvent>[0], deps);
  }
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
