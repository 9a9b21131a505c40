// Crash recovery of the local stack, as Step Functions gives on AWS: an execution outlives the process that started
// it there, so here a `kill -9` or a power cut must not leave a run RUNNING forever. At start-up, before any event is
// accepted, every run still RUNNING whose execution is not live is settled:
// - its execution file (<dataDir>/executions/<runId>.json) is RUNNING and its persisted deadline has not passed: the
//   execution runs again from its start, until that same deadline (every step is safe to repeat: Fit finds the
//   RUNNING record, partials are overwritten, Reduce's SUCCEEDED is conditional);
// - otherwise (deadline passed, or RUNNING in the table with no execution at all: the API wrote RUNNING and the
//   process died before StartExecution) the run ends FAILED "interrupted (stack stopped during the run)".
// - its execution file says it ended (FAILED, TIMED_OUT, …) but the run is still RUNNING: the Fail write of that end
//   never landed (a full disk); it is settled as below, with the execution's own error.
// An upload's runId is taken once; to run an interrupted upload again, POST /runs {portfolioId, key} (a fresh runId).
//
// Settling an ended execution (`settleEnded`) is the one path from "the execution is over" to "the run says so": the
// executor takes it when an execution ends, again with backoff while a write fails (ENOSPC: the run ends FAILED with
// the write error once space is back, without a restart), and recovery takes it at start-up.
import type { DynamoRunStore } from '../adapters/run-store.ts';
import type { ExecutionStatusChange } from '../handlers/fail.ts';
import { type ExecutionState, readExecutions, statusChange, writeExecution } from './execution-state.ts';

export const INTERRUPTED = 'interrupted (stack stopped during the run)';

export interface Recovery {
  /** executions run again (deadline not passed) */
  resumed: string[];
  /** runs ended FAILED INTERRUPTED */
  failed: string[];
  /** ended executions whose run was still RUNNING: recorded with their own error (retried while a write fails) */
  settling: string[];
}

export interface SettleIo {
  /** the Fail function on EventBridge's status-change event (a conditional write: a finished run stays as it is) */
  fail(change: ExecutionStatusChange): Promise<unknown>;
  /** writes the execution's state file; absent when executions live in memory only */
  persist?(state: ExecutionState): Promise<void>;
}

/**
 * Makes the run say what its ended execution says: one that did not succeed is recorded FAILED with its error (as
 * the status-change rule does on AWS), then the state file is written. Rejects with the first write that fails; safe
 * to call again (both writes are idempotent).
 */
export async function settleEnded(state: ExecutionState, io: SettleIo): Promise<void> {
  if (state.status === 'RUNNING') throw new Error(`execution ${state.runId} has not ended`);
  if (state.status !== 'SUCCEEDED') await io.fail(statusChange(state));
  await io.persist?.(state);
}

export async function recoverInterrupted(options: {
  /** <dataDir>/executions */
  dir: string;
  runs: Pick<DynamoRunStore, 'get' | 'fail' | 'runningRunIds'>;
  resume: (state: ExecutionState) => void;
  /** settles an ended execution whose run is still RUNNING (the executor's settle: settleEnded, retried) */
  settle: (state: ExecutionState) => Promise<void>;
  now?: number;
}): Promise<Recovery> {
  const { dir, runs, resume, settle } = options;
  const now = options.now ?? Date.now();
  const recovery: Recovery = { resumed: [], failed: [], settling: [] };
  const settled = new Set<string>();
  const running = new Set(await runs.runningRunIds());
  for (const state of await readExecutions(dir)) {
    if (state.status !== 'RUNNING') {
      // ended without success, but its Fail write never landed
      if (state.status !== 'SUCCEEDED' && running.has(state.runId)) {
        settled.add(state.runId);
        await settle(state);
        recovery.settling.push(state.runId);
      }
      continue;
    }
    settled.add(state.runId);
    const record = await runs.get(state.runId);
    if (record && record.status !== 'RUNNING') {
      // the run ended, the process died before its execution file said so
      await writeExecution(dir, { ...state, status: record.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED', stopDate: now });
      continue;
    }
    if (now < state.deadline) {
      resume(state);
      recovery.resumed.push(state.runId);
      continue;
    }
    const { portfolioId, input, createdAt } = state.input;
    await runs.fail(state.runId, INTERRUPTED, { portfolioId, input, createdAt });
    await writeExecution(dir, { ...state, status: 'FAILED', stopDate: now, error: 'Interrupted', cause: INTERRUPTED });
    recovery.failed.push(state.runId);
  }
  for (const runId of running) {
    if (settled.has(runId)) continue;
    if (await runs.fail(runId, INTERRUPTED)) recovery.failed.push(runId);
  }
  return recovery;
}
