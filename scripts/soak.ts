// Soak of the local stack: N uploads through one stack (a few at a time), the process's RSS printed at checkpoints.
// The stack's memory must level off: RSS after 1,000 runs within 64 MB of RSS after 100 (issue 12).
//   npm run soak -- [runs=1000] [concurrency=4]
// RSS is the whole process (main thread, step worker threads, s3rver, dynalite); heap and external are the main
// thread's, so growth outside them points at workers, native buffers or the allocator.
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
          const m = process.memoryUsage();
          const p = { runs: done, rssMb: m.rss / MB, heapMb: m.heapUsed / MB, externalMb: m.external / MB };
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
  const checkpoints = [10, 100, 500, 1000, 2000, 5000].filter((c) => c <= runs);
  if (!checkpoints.includes(runs)) checkpoints.push(runs);
  console.log(`soak: ${runs} uploads through one stack, ${concurrency} at a time`);
  const t0 = performance.now();
  const { points, failed } = await soak(runs, concurrency, checkpoints, (p) =>
    console.log(`after ${String(p.runs).padStart(5)} runs: RSS ${p.rssMb.toFixed(0).padStart(5)} MB  (main heap ${p.heapMb.toFixed(0)} MB, external ${p.externalMb.toFixed(0)} MB)  ${((performance.now() - t0) / 1000).toFixed(0)} s`),
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
