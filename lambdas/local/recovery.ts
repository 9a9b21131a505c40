// Crash recovery of the local stack, as Step Functions gives on AWS: an execution outlives the process that started
// it there, so here a `kill -9` or a power cut must not leave a run RUNNING forever. At start-up, before any event is
// accepted, every run still RUNNING whose execution is not live is settled:
// - its execution file (<dataDir>/executions/<runId>.json) is RUNNING and its persisted deadline has not passed: the
//   execution runs again from its start, until that same deadline (every step is safe to repeat: Fit finds the
//   RUNNING record, partials are overwritten, Reduce's SUCCEEDED is conditional);
// - otherwise (deadline passed, or RUNNING in the table with no execution at all: the API wrote RUNNING and the
//   process died before StartExecution) the run ends FAILED "interrupted (stack stopped during the run)".
// An upload's runId is taken once; to run an interrupted upload again, POST /runs {portfolioId, key} (a fresh runId).
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DynamoRunStore } from '../adapters/run-store.ts';
import { type ExecutionState, readExecutions } from './execution-state.ts';

export const INTERRUPTED = 'interrupted (stack stopped during the run)';

export interface Recovery {
  /** executions run again (deadline not passed) */
  resumed: string[];
  /** runs ended FAILED INTERRUPTED */
  failed: string[];
}

export async function recoverInterrupted(options: {
  /** <dataDir>/executions */
  dir: string;
  runs: Pick<DynamoRunStore, 'get' | 'fail' | 'runningRunIds'>;
  resume: (state: ExecutionState) => void;
  now?: number;
}): Promise<Recovery> {
  const { dir, runs, resume } = options;
  const now = options.now ?? Date.now();
  const recovery: Recovery = { resumed: [], failed: [] };
  const settled = new Set<string>();
  for (const state of await readExecutions(dir)) {
    if (state.status !== 'RUNNING') continue;
    settled.add(state.runId);
    const record = await runs.get(state.runId);
    if (record && record.status !== 'RUNNING') {
      // the run ended, the process died before its execution file said so
      await persist(dir, { ...state, status: record.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', stopDate: now });
      continue;
    }
    if (now < state.deadline) {
      resume(state);
      recovery.resumed.push(state.runId);
      continue;
    }
    const { portfolioId, input, createdAt } = state.input;
    await runs.fail(state.runId, INTERRUPTED, { portfolioId, input, createdAt });
    await persist(dir, { ...state, status: 'FAILED', stopDate: now, error: 'Interrupted', cause: INTERRUPTED });
    recovery.failed.push(state.runId);
  }
  for (const runId of await runs.runningRunIds()) {
    if (settled.has(runId)) continue;
    if (await runs.fail(runId, INTERRUPTED)) recovery.failed.push(runId);
  }
  return recovery;
}

async function persist(dir: string, state: ExecutionState): Promise<void> {
  const file = join(dir, `${state.runId}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(state));
  await rename(`${file}.tmp`, file);
}
