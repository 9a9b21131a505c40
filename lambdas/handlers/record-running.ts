// The one place a run becomes RUNNING, shared by the API and Fit.
import type { RunStore } from '../adapters/run-store.ts';
import type { RunInput } from '../contracts/steps.ts';

/**
 * Records the run RUNNING (conditional: a runId is created once). POST /runs calls it before it starts the execution,
 * so GET answers at once; Fit calls it for uploads and schedule ticks (and finds the API's record).
 */
export function recordRunning(run: RunInput, runs: Pick<RunStore, 'create'>): ReturnType<RunStore['create']> {
  const { runId, portfolioId, createdAt, input, settings } = run;
  return runs.create({ runId, portfolioId, status: 'RUNNING', createdAt, input, ...(settings ? { settings } : {}) });
}
