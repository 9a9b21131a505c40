// worker_threads entry: simulates shard descriptors sent by pool.ts and answers with the binary partial
// (transferred, not copied) plus throttled progress messages.
import { parentPort } from 'node:worker_threads';
import { encodePartial } from '../engine/partial-codec.ts';
import { simulateShardPacked } from '../engine/simulate.ts';
import type { ShardDescriptor } from '../engine/types.ts';

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
    const bytes = encodePartial(partial);
    port.postMessage({ type: 'partial', shard: d.shard, bytes }, [bytes.buffer as ArrayBuffer]);
  } catch (e) {
    port.postMessage({ type: 'error', shard: d.shard, message: (e as Error).message ?? String(e) });
  }
});
