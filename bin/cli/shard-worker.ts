// worker_threads entry: simulates shard descriptors sent by pool.ts and answers with the partial's typed
// arrays (transferred, not copied) plus throttled progress messages.
import { parentPort } from 'node:worker_threads';
import { simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import type { ShardDescriptor } from '../../lambdas/engine/types.ts';

const PROGRESS_EVERY = 1 << 20;
const port = parentPort;
if (!port) throw new Error('shard-worker.ts must run in a worker thread');

port.on('message', (msg: { descriptor: ShardDescriptor }) => {
  const d = msg.descriptor;
  try {
    let posted = 0;
    const partial = simulateShardPacked(d, (done, total) => {
      if (done - posted >= PROGRESS_EVERY || done === total) {
        port.postMessage({ type: 'progress', shard: d.shard, done });
        posted = done;
      }
    });
    // transfer the samples' own buffers (views keep their length): no encode copy, no clone
    port.postMessage({ type: 'partial', shard: d.shard, partial }, [partial.values.buffer as ArrayBuffer, partial.indices.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ type: 'error', shard: d.shard, message: (e as Error).message ?? String(e) });
  }
});
