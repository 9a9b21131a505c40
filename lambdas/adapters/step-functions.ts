// Starting a run on AWS: Step Functions StartExecution, named by the runId.
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RunRef } from '../contracts/run.ts';
import { makeSfnClient } from './clients.ts';

/** Starts one execution with name = runId: AWS refuses a second execution of the same name (`started` false). */
export function sfnStarter<I extends RunRef>(stateMachineArn: string, client = makeSfnClient()): (input: I) => Promise<{ started: boolean }> {
  return async (input) => {
    try {
      await client.send(new StartExecutionCommand({ stateMachineArn, name: input.runId, input: JSON.stringify(input) }));
      return { started: true };
    } catch (e) {
      if ((e as Error).name === 'ExecutionAlreadyExists') return { started: false };
      throw e;
    }
  };
}
