// worker_threads entry of the local stack: runs the pipeline's steps (the same fitStep/simulateStep/reduceStep the
// Lambda handlers run) against local S3/DynamoDB, one step at a time, so CPU-bound fits and shards never block the
// HTTP API or the upload listener on the main thread.
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeDocumentClient, makeS3Client } from '../adapters/clients.ts';
import { S3ObjectStore } from '../adapters/object-store.ts';
import { DynamoRunStore } from '../adapters/run-store.ts';
import { runStep } from './steps.ts';
import type { MemoryRequest, StepReply, StepRequest, StepWorkerData, WorkerMemory } from './step-pool.ts';

const port = parentPort;
if (!port) throw new Error('step-worker.ts must run in a worker thread');

const config = workerData as StepWorkerData;
const objects = new S3ObjectStore(config.bucket, makeS3Client(config.env));
const deps = {
  bucket: config.bucket,
  objects,
  runs: new DynamoRunStore(config.table, makeDocumentClient(config.env), objects),
  inlineShardLimit: config.inlineShardLimit,
  logger: new Logger({ serviceName: 'varstream-local', logLevel: config.logLevel as never }),
};

port.on('message', (req: StepRequest | MemoryRequest) => {
  if ('memory' in req) {
    // under --expose-gc (the soak), measure what is live, not what awaits collection
    (globalThis as { gc?: () => void }).gc?.();
    const { external, arrayBuffers } = process.memoryUsage();
    port.postMessage({ memory: req.memory, value: { heapUsed: getHeapStatistics().used_heap_size, external, arrayBuffers } satisfies WorkerMemory });
    return;
  }
  runStep(req.step, req.event, deps).then(
    (value) => port.postMessage({ id: req.id, ok: true, value } satisfies StepReply),
    (e: unknown) => {
      const err = e instanceof Error ? e : new Error(String(e));
      port.postMessage({ id: req.id, ok: false, error: { name: err.name, message: err.message } } satisfies StepReply);
    },
  );
});
port.postMessage({ ready: true });
