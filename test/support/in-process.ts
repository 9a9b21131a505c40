// The handler tests' AWS side: the runs (and idempotency) tables in the local DynamoDB, and one execution of the
// synthesized state machine with every step in process, as the local stack runs it.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { makeDynamoClient } from '../../lambdas/adapters/clients.ts';
import { createIdempotencyTableInput } from '../../lambdas/adapters/idempotency.ts';
import { createRunsTableInput } from '../../lambdas/adapters/run-store.ts';
import type { RunInput } from '../../lambdas/contracts/steps.ts';
import type { RunRecord } from '../../lambdas/engine/types.ts';
import type { Deps } from '../../lambdas/handlers/deps.ts';
import { localDefinition } from '../../lambdas/local/asl-local.ts';
import { LocalExecutor } from '../../lambdas/local/executor.ts';
import { inProcessSteps } from '../../lambdas/local/steps.ts';

/** Creates the runs table `table` and, with `idempotency`, its `<table>-idempotency` companion. */
export async function createRunTables(table: string, options: { idempotency?: boolean } = {}): Promise<void> {
  const dynamo = makeDynamoClient();
  await dynamo.send(new CreateTableCommand(createRunsTableInput(table)));
  if (options.idempotency) await dynamo.send(new CreateTableCommand(createIdempotencyTableInput(`${table}-idempotency`)));
}

/** Runs one execution to its end and returns the run's record. */
export async function executeInProcess(deps: Deps, input: RunInput): Promise<RunRecord> {
  const local = await localDefinition({ bucket: deps.bucket, inlineShardLimit: deps.inlineShardLimit });
  const executor = new LocalExecutor({ local, steps: inProcessSteps(deps), deps });
  await executor.start(input);
  await executor.settled(input.runId);
  return (await deps.runs.get(input.runId))!;
}
