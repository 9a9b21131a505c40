// Local execution of shard descriptors on worker_threads, feeding a TailMerger as partials arrive.
// Results do not depend on the worker count or the arrival order (sample i depends only on (seed, i) and the merge
// is order-independent), so the pool is free to schedule shards first-come first-served.
import { createHash } from 'node:crypto';
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import type { PackedPartial, TailMerger } from '../../lambdas/engine/tail.ts';
import type { ShardDescriptor } from '../../lambdas/engine/types.ts';

export interface PoolOptions {
  /** worker threads; default os.availableParallelism(); 0 runs the shards in this thread */
  workers?: number;
  /** samples done so far and in total */
  onProgress?: (done: number, total: number) => void;
}

type WorkerMessage =
  | { type: 'progress'; shard: number; done: number }
  | { type: 'partial'; shard: number; partial: PackedPartial }
  | { type: 'error'; shard: number; message: string };

/** Defined (true) by the CLI bundle (bin/build.mjs), which puts a prebuilt shard-worker.mjs next to its chunks. */
declare const VARSTREAM_PREBUILT_WORKER: boolean | undefined;
const WORKER_SOURCE = fileURLToPath(new URL('./shard-worker.ts', import.meta.url));
const WORKER_BOOTSTRAP = new URL('./shard-worker.mjs', import.meta.url);
let workerUrl: Promise<URL> | undefined;

/**
 * The worker script: shard-worker.ts bundled by esbuild (tsx's own dependency) into plain ESM in the temp dir, cached by
 * content hash. A bundled worker starts in ~0.1 s with ~20 MB, against ~0.4 s and ~40 MB for registering tsx in each
 * worker; if bundling fails we fall back to the tsx bootstrap (shard-worker.mjs).
 */
function resolveWorkerUrl(): Promise<URL> {
  if (typeof VARSTREAM_PREBUILT_WORKER !== 'undefined') return Promise.resolve(new URL('./shard-worker.mjs', import.meta.url));
  workerUrl ??= (async () => {
    try {
      const { build } = await import('esbuild');
      const out = await build({
        entryPoints: [WORKER_SOURCE], bundle: true, platform: 'node', format: 'esm', target: 'node20', write: false, logLevel: 'silent',
        // CommonJS dependencies (@stdlib) call require(): give the ESM bundle one
        banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
      });
      const code = out.outputFiles[0].contents;
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
      const file = join(tmpdir(), `varstream-shard-worker-${hash}.mjs`);
      if (!existsSync(file)) {
        const partial = `${file}.${process.pid}.tmp`;
        writeFileSync(partial, code);
        renameSync(partial, file); // atomic: concurrent runs never see a half-written worker
      }
      return pathToFileURL(file);
    } catch {
      return WORKER_BOOTSTRAP;
    }
  })();
  return workerUrl;
}

/** Default worker count: every core the OS offers. */
export function defaultWorkers(): number {
  return availableParallelism();
}

/**
 * Default shard count for a local run: at least the requested shards and one per worker. A shard's memory is its
 * in-bracket samples (O(√N) over the run), so nothing forces more shards than that.
 */
export function localShardCount(simulations: number, requested: number, workers: number): number {
  return Math.min(Math.max(requested, workers, 1), simulations);
}

/**
 * Idle shard workers kept between runs (unref'd, so they never keep the process alive): a long-lived process (the local
 * stack, the bench, a test file) skips the ~0.1 s start of each worker and keeps its JIT-compiled hot loop warm.
 */
const idle: Worker[] = [];

function takeWorker(url: URL): Worker {
  const w = idle.pop() ?? new Worker(url);
  w.ref();
  return w;
}

function releaseWorker(w: Worker): void {
  w.removeAllListeners('message');
  w.removeAllListeners('error');
  w.removeAllListeners('exit');
  w.once('exit', () => {
    const at = idle.indexOf(w);
    if (at >= 0) idle.splice(at, 1);
  });
  w.on('error', () => {}); // an idle worker's late error must not crash the process; its exit removes it
  w.unref();
  idle.push(w);
}

/** Runs every descriptor and merges its partial into `merger`; resolves when all are merged. */
export async function runShards(descriptors: ShardDescriptor[], merger: TailMerger, options: PoolOptions = {}): Promise<TailMerger> {
  const total = descriptors.reduce((s, d) => s + (d.end - d.start), 0);
  const progress = new Map<number, number>();
  let done = 0;
  const report = (shard: number, shardDone: number): void => {
    done += shardDone - (progress.get(shard) ?? 0);
    progress.set(shard, shardDone);
    options.onProgress?.(done, total);
  };
  const requested = options.workers ?? defaultWorkers();
  // a NaN or fractional count would start no worker and leave the run waiting forever
  if (!Number.isInteger(requested) || requested < 0) throw new RangeError(`workers must be a non-negative integer, got ${requested}`);
  const workers = Math.min(requested, descriptors.length);
  if (workers <= 0) {
    for (const d of descriptors) merger.add(simulateShardPacked(d, (n) => report(d.shard, n)));
    return merger;
  }
  const url = await resolveWorkerUrl();
  const queue = [...descriptors];
  const pool: Worker[] = [];
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let busy = 0;
      let settled = false;
      const fail = (e: Error): void => {
        failed = true;
        if (!settled) {
          settled = true;
          reject(e);
        }
      };
      const feed = (w: Worker): void => {
        const d = queue.shift();
        if (d === undefined) {
          if (busy === 0 && !settled) {
            settled = true;
            resolve();
          }
          return;
        }
        busy++;
        w.postMessage({ descriptor: d });
      };
      for (let i = 0; i < workers; i++) {
        const w = takeWorker(url);
        pool.push(w);
        w.on('message', (msg: WorkerMessage) => {
          if (settled) return;
          if (msg.type === 'progress') report(msg.shard, msg.done);
          else if (msg.type === 'error') fail(new Error(`shard ${msg.shard}: ${msg.message}`));
          else {
            try {
              merger.add(msg.partial);
            } catch (e) {
              fail(e as Error);
              return;
            }
            busy--;
            feed(w);
          }
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          fail(new Error(`shard worker exited with code ${code}`));
        });
        feed(w);
      }
    });
  } finally {
    // after a failure a worker may still be busy with a shard: end them; otherwise they wait for the next run
    if (failed) await Promise.all(pool.map((w) => w.terminate()));
    else for (const w of pool) releaseWorker(w);
  }
  return merger;
}
