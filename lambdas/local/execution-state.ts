// The persisted state of a local execution: one JSON file per run under <dataDir>/executions/<runId>.json, written
// when the execution starts and when it ends (a file still RUNNING at start-up is one a crash interrupted), and the
// EventBridge status-change event Step Functions would send for it when it ends.
import { readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionStatusChange } from '../handlers/fail.ts';
import type { RunInput } from '../contracts/steps.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One entry of an execution's history: a state entered/exited/failed/retried/caught, a Map iteration, the end. */
export interface HistoryEvent {
  timestamp: string;
  type: string;
  state?: string;
  /** Map iteration (item index) the event belongs to */
  index?: number;
  error?: string;
  cause?: string;
  /** retry attempt (StateRetried) */
  attempt?: number;
}

/** What the executor persists per execution. */
export interface ExecutionState {
  runId: string;
  input: RunInput;
  status: ExecutionStatus;
  /** epoch ms */
  startDate: number;
  /** epoch ms: past it the execution is TIMED_OUT */
  deadline: number;
  stopDate?: number;
  error?: string;
  cause?: string;
  history: HistoryEvent[];
}

const STATE_FILE = /^(.+)\.json$/;

/** The persisted executions in `dir` (e.g. those still RUNNING after a crash). */
export async function readExecutions(dir: string): Promise<ExecutionState[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const states: ExecutionState[] = [];
  for (const name of names) {
    if (!STATE_FILE.test(name)) continue;
    try {
      states.push(JSON.parse(await readFile(join(dir, name), 'utf-8')) as ExecutionState);
    } catch {
      // a half-written file of a crash: its run is still in the runs table
    }
  }
  return states;
}

/** Writes an execution's state file whole (a temporary file renamed into place: a crash leaves the old or the new). */
export async function writeExecution(dir: string, state: ExecutionState): Promise<void> {
  const file = join(dir, `${state.runId}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(state));
  await rename(`${file}.tmp`, file);
}

/** The EventBridge "Execution Status Change" event Step Functions would send for this ended execution. */
export function statusChange(state: ExecutionState): ExecutionStatusChange {
  return {
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    detail: {
      executionArn: `local:execution:${state.runId}`,
      name: state.runId,
      status: state.status,
      startDate: state.startDate,
      stopDate: state.stopDate ?? null,
      input: JSON.stringify(state.input),
      error: state.error ?? null,
      cause: state.cause ?? null,
    },
  };
}
