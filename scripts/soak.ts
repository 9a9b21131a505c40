// Soak of the local stack: N uploads through one stack (a few at a time), the process's RSS printed at checkpoints.
// The stack's memory must level off: RSS after 1,000 runs within 64 MB of RSS after 100 (issue 12).
//   npm run soak -- [runs=1000] [concurrency=4]        (SOAK_EVERY=50: a checkpoint every 50 runs too)
// RSS is the whole process (main thread, step worker threads, s3rver, dynalite), split on Linux into anonymous and
// file-backed pages; heap and external are the main thread's, the workers' are asked of each worker. Growth of the
// anonymous RSS outside every heap points at native memory (leveldb, buffers, the allocator).
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../lambdas/adapters/clients.ts';
import { startLocalStack } from '../lambdas/local/stack.ts';
import { scaledCsv } from './load.ts';

const MB = 1024 * 1024;

export interface SoakPoint {
  runs: number;
  rssMb: number;
  heapMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  /** the step workers' heaps and native memory, summed */
  workerHeapMb: number;
  workerExternalMb: number;
  /** Linux: RSS split into anonymous memory (heaps, malloc) and file-backed pages (mmapped files), MB */
  rssAnonMb?: number;
  rssFileMb?: number;
}

/** RssAnon and RssFile of /proc/self/status (Linux), in MB; {} elsewhere. */
function rssSplit(): { rssAnonMb?: number; rssFileMb?: number } {
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf-8');
  } catch {
    return {};
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
  return { rssAnonMb: kb('RssAnon'), rssFileMb: kb('RssFile') + kb('RssShmem') };
}

export async function soak(runs: number, concurrency: number, checkpoints: number[], onPoint: (p: SoakPoint) => void = () => undefined): Promise<{ points: SoakPoint[]; failed: number }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'varstream-soak-'));
  const stack = await startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, scheduleCron: null, logLevel: 'SILENT' });
  const s3 = makeS3Client(stack.env);
  const points: SoakPoint[] = [];
  let failed = 0;
  try {
    await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'config/soak.json', Body: JSON.stringify({ simulations: 10_000 }) }));
    let next = 0;
    let done = 0;
    const one = async (i: number) => {
      // a distinct file per run (scaled portfolio column): a distinct ETag, so a distinct run
      const key = `uploads/soak/${String(i).padStart(5, '0')}.csv`;
      const out = await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: scaledCsv(1 + i / 1e6) }));
      const record = await stack.waitForRun(stack.uploadRunId(key, out.ETag!), 300_000);
      if (record.status !== 'SUCCEEDED') failed++;
    };
    const lane = async () => {
      while (next < runs) {
        await one(next++);
        done++;
        if (checkpoints.includes(done)) {
          (globalThis as { gc?: () => void }).gc?.();
          const workers = await stack.workerMemory();
          const m = process.memoryUsage();
          const sum = (f: (w: (typeof workers)[number]) => number) => workers.reduce((a, w) => a + f(w), 0) / MB;
          const p = {
            runs: done,
            rssMb: m.rss / MB,
            heapMb: m.heapUsed / MB,
            externalMb: m.external / MB,
            arrayBuffersMb: m.arrayBuffers / MB,
            workerHeapMb: sum((w) => w.heapUsed),
            workerExternalMb: sum((w) => w.external),
            ...rssSplit(),
          };
          points.push(p);
          onPoint(p);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    s3.destroy();
    await stack.stop();
  }
  return { points, failed };
}

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 1000);
  const concurrency = Number(process.argv[3] ?? 4);
  const every = Number(process.env.SOAK_EVERY ?? 0);
  const checkpoints = [10, 100, 500, 1000, 2000, 5000, ...(every ? Array.from({ length: Math.floor(runs / every) }, (_, i) => (i + 1) * every) : [])].filter((c, i, a) => c <= runs && a.indexOf(c) === i).sort((a, b) => a - b);
  if (!checkpoints.includes(runs)) checkpoints.push(runs);
  console.log(`soak: ${runs} uploads through one stack, ${concurrency} at a time`);
  const t0 = performance.now();
  const { points, failed } = await soak(runs, concurrency, checkpoints, (p) =>
    console.log(`after ${String(p.runs).padStart(5)} runs: RSS ${p.rssMb.toFixed(0).padStart(5)} MB  (${p.rssAnonMb !== undefined ? `anon ${p.rssAnonMb.toFixed(0)}, file ${p.rssFileMb?.toFixed(0)}; ` : ''}main heap ${p.heapMb.toFixed(0)} MB, external ${p.externalMb.toFixed(0)} MB, array buffers ${p.arrayBuffersMb.toFixed(0)} MB; workers: heap ${p.workerHeapMb.toFixed(0)} MB, external ${p.workerExternalMb.toFixed(0)} MB)  ${((performance.now() - t0) / 1000).toFixed(0)} s`),
  );
  const at = (n: number) => points.find((p) => p.runs === n);
  const from = at(100);
  const to = at(runs);
  let ok = failed === 0;
  if (failed) console.log(`PROBLEM ${failed} runs did not succeed`);
  if (from && to && to !== from) {
    const growth = to.rssMb - from.rssMb;
    console.log(`RSS growth from run 100 to run ${runs}: ${growth.toFixed(0)} MB (${((growth * 1024) / (runs - 100)).toFixed(1)} KB per run; target: within 64 MB)`);
    if (growth > 64) ok = false;
  }
  console.log(ok ? 'soak: OK' : 'soak: FAILED');
  process.exit(ok ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
