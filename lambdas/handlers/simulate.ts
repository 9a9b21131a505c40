// Simulate: one shard descriptor → its tail and running sums. Small tails return inline; large ones are stored
// binary at partials/<runId>/<shard>.bin. With `persist` (Distributed Map) the message itself goes to
// partials/<runId>/<shard>.json and only a pointer returns. Deterministic: a retried shard writes the same bytes.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { partialToMessage } from '../engine/partial-codec.ts';
import { simulateShardPacked } from '../engine/simulate.ts';
import type { ShardDescriptor, ShardPartial } from '../engine/types.ts';
import { partialBinKey, partialKey } from '../contracts/keys.ts';
import type { SimulateInput } from '../contracts/steps.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';

export async function simulateStep(event: SimulateInput<ShardDescriptor> | ShardDescriptor, deps: Pick<Deps, 'bucket' | 'objects' | 'logger'>): Promise<ShardPartial | { shard: number; key: string }> {
  const d = 'descriptor' in event ? event.descriptor : event;
  const persist = 'descriptor' in event && event.persist === true;
  const runId = d.runId ?? 'adhoc';
  const t0 = performance.now();
  const packed = simulateShardPacked(d);
  const message = await partialToMessage(packed, deps.objects, partialBinKey(runId, d.shard));
  deps.logger.info('shard simulated', { shard: d.shard, samples: d.end - d.start, ms: performance.now() - t0, byRef: message.ref !== undefined });
  if (!persist) return message;
  const key = partialKey(runId, d.shard);
  await deps.objects.putText(deps.bucket, key, JSON.stringify(message), 'application/json');
  return { shard: d.shard, key };
}

export const handler = middy(async (event: SimulateInput<ShardDescriptor>) => {
  logger.appendKeys({ runId: event.descriptor?.runId, shard: event.descriptor?.shard });
  return simulateStep(event, depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
