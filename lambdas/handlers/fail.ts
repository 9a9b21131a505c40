// Records FAILED with the one-line error message. Two callers: the Catch of every step (FailInput), and the EventBridge
// rule on the state machine's "Execution Status Change" to TIMED_OUT/ABORTED/FAILED (an execution-level timeout or a
// StopExecution runs no Catch, so without it the run would stay RUNNING forever). Always conditional: a SUCCEEDED or
// FAILED run is never overwritten.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { FailInput, RunInput } from '../contracts/steps.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';

/** The message of a Step Functions error: a Lambda error's Cause is JSON with errorMessage; others are plain text. */
export function errorMessage(error: FailInput['error'] | undefined): string {
  const cause = error?.Cause;
  if (cause) {
    try {
      const parsed = JSON.parse(cause) as { errorMessage?: unknown };
      if (typeof parsed?.errorMessage === 'string' && parsed.errorMessage) return parsed.errorMessage;
    } catch {
      // not JSON: States.Timeout and friends carry text
    }
    return cause;
  }
  return error?.Error ?? 'unknown error';
}

/** EventBridge's "Step Functions Execution Status Change" (source aws.states); `name` is the execution name = runId. */
export interface ExecutionStatusChange {
  'detail-type': 'Step Functions Execution Status Change';
  source?: string;
  detail: {
    executionArn?: string;
    stateMachineArn?: string;
    name: string;
    status: 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED' | 'PENDING_REDRIVE';
    startDate?: number;
    stopDate?: number | null;
    /** the execution's input (the RunInput) as JSON text; null when not delivered */
    input?: string | null;
    error?: string | null;
    cause?: string | null;
  };
}

export function isStatusChange(e: unknown): e is ExecutionStatusChange {
  return (e as ExecutionStatusChange)?.['detail-type'] === 'Step Functions Execution Status Change';
}

/** "2 h", "15 min", "42 s": how long the execution ran. */
export function formatDuration(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 < 60_000) return `${Math.round(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  if (ms >= 1000) return `${Math.round(ms / 1000)} s`;
  return `${Math.round(ms)} ms`;
}

/** The status-change event as the Fail step's input: runId = execution name, identity from the execution's input. */
export function fromStatusChange(event: ExecutionStatusChange): FailInput {
  const d = event.detail;
  let run: Partial<RunInput> = {};
  try {
    run = d.input ? (JSON.parse(d.input) as Partial<RunInput>) : {};
  } catch {
    // an input we did not write: the run keeps whatever identity it already has
  }
  const ran = d.startDate && d.stopDate ? ` after ${formatDuration(d.stopDate - d.startDate)}` : '';
  const why =
    d.status === 'TIMED_OUT'
      ? `run timed out${ran} (TIMED_OUT)`
      : d.status === 'ABORTED'
        ? `run aborted${ran} (ABORTED)`
        : `run failed${ran}: ${errorMessage({ Error: d.error ?? undefined, Cause: d.cause ?? undefined })} (${d.status})`;
  return {
    runId: d.name,
    ...(run.portfolioId && run.input ? { portfolioId: run.portfolioId, input: run.input, createdAt: run.createdAt } : {}),
    error: { Error: `Execution.${d.status}`, Cause: why },
  };
}

export async function failStep(event: FailInput, deps: Pick<Deps, 'runs' | 'logger'>): Promise<{ runId: string; status: 'FAILED'; recorded: boolean; error: string }> {
  const message = errorMessage(event.error);
  const seed = event.portfolioId && event.input ? { portfolioId: event.portfolioId, input: event.input, createdAt: event.createdAt ?? new Date().toISOString() } : undefined;
  const recorded = await deps.runs.fail(event.runId, message, seed);
  deps.logger.info('run failed', { error: message, errorType: event.error?.Error, recorded });
  return { runId: event.runId, status: 'FAILED', recorded, error: message };
}

/** The Fail function's event, from either caller (the Catch, or the status-change rule). */
export function failEvent(event: FailInput | ExecutionStatusChange, deps: Pick<Deps, 'runs' | 'logger'>): ReturnType<typeof failStep> {
  return failStep(isStatusChange(event) ? fromStatusChange(event) : event, deps);
}

export const handler = middy(async (event: FailInput | ExecutionStatusChange) => {
  logger.appendKeys({ runId: isStatusChange(event) ? event.detail.name : event.runId });
  return failEvent(event, depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
