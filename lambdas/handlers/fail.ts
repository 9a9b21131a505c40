// The Catch target of every step: records FAILED with the one-line error message.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { FailInput } from './contracts.ts';
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

export async function failStep(event: FailInput, deps: Pick<Deps, 'runs' | 'logger'>): Promise<{ runId: string; status: 'FAILED'; recorded: boolean; error: string }> {
  const message = errorMessage(event.error);
  const seed = event.portfolioId && event.input ? { portfolioId: event.portfolioId, input: event.input, createdAt: event.createdAt ?? new Date().toISOString() } : undefined;
  const recorded = await deps.runs.fail(event.runId, message, seed);
  deps.logger.info('run failed', { error: message, errorType: event.error?.Error, recorded });
  return { runId: event.runId, status: 'FAILED', recorded, error: message };
}

export const handler = middy(async (event: FailInput) => {
  logger.appendKeys({ runId: event.runId });
  return failStep(event, depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
