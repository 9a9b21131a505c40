// The whole of varstream on a laptop, in one process: local S3 (s3rver) and DynamoDB (dynalite) with data under
// VARSTREAM_DATA_DIR, the upload trigger (s3rver's object-created events → the Trigger step), the pipeline's steps on
// worker threads, the REST API on node:http and the schedule on croner. Nothing here is AWS-free by mocking: the
// handlers talk to the local servers through the real SDK clients of the adapters. Its options: options.ts; s3rver's
// events as EventBridge's: s3-events.ts.
import { rm } from 'node:fs/promises';
import { makeDirectories } from '../adapters/directories.ts';
import type { Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Cron } from 'croner';
import { makeDocumentClient, makeDynamoClient, makeS3Client } from '../adapters/clients.ts';
import { ensureBucket, ensureTable } from '../adapters/provision.ts';
import { S3ObjectStore } from '../adapters/object-store.ts';
import { createRunsTableInput, DynamoRunStore, riskAt } from '../adapters/run-store.ts';
import { uploadRunId } from '../contracts/run-ids.ts';
import { createIdempotencyTableInput, makeIdempotencyStore } from '../adapters/idempotency.ts';
import type { RunRecord } from '../engine/types.ts';
import { route } from '../handlers/api.ts';
import type { Deps } from '../handlers/deps.ts';
import { type Started, triggerStep } from '../handlers/trigger.ts';
import { createApiServer, serve } from './http.ts';
import { nodeVersionProblem } from './node-version.ts';
import { guardS3rver } from './s3-guard.ts';
import { guardDynalite } from './dynalite-guard.ts';
import { localDefinition } from './asl-local.ts';
import { LocalExecutor } from './executor.ts';
import { INTERRUPTED, recoverInterrupted } from './recovery.ts';
import { runStep, type StepRunner } from './steps.ts';
import { readCdkContext, startSchedule } from './schedule.ts';
import { StepPool, type WorkerMemory } from './step-pool.ts';
import type { LocalStackOptions } from './options.ts';
import { type S3rverServer, toObjectCreated } from './s3-events.ts';

const require = createRequire(import.meta.url);

export interface LocalStack {
  apiUrl: string;
  s3Endpoint: string;
  dynamodbEndpoint: string;
  bucket: string;
  table: string;
  dataDir: string;
  /** the env an AWS SDK client or the AWS CLI needs to reach this stack (dummy credentials) */
  env: Record<string, string>;
  /** resolves with the run once SUCCEEDED or FAILED (polls while an upload's event is still on its way) */
  waitForRun(runId: string, timeoutMs?: number): Promise<RunRecord>;
  /** the runId an upload of `key` with this ETag starts (the bucket is not versioned locally) */
  uploadRunId(key: string, etag: string): string;
  /** fires the schedule now (as croner does on its cron) */
  fireSchedule(time?: Date): Promise<Started[]>;
  /** each step worker's heap and native memory (the soak) */
  workerMemory(): Promise<WorkerMemory[]>;
  /** stops the schedule and the servers; runs still in flight end FAILED "local stack stopped" */
  stop(): Promise<void>;
}

/** Dummy credentials for the local servers (they check nothing); never real secrets. */
const LOCAL_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const nodeProblem = nodeVersionProblem();
  if (nodeProblem) throw new Error(nodeProblem);
  const cdk = readCdkContext();
  const host = options.host ?? '127.0.0.1';
  const bucket = options.bucket ?? 'varstream-local';
  const table = options.table ?? 'varstream-runs';
  const dataDir = resolve(options.dataDir ?? '.varstream');
  const workers = options.workers ?? availableParallelism();
  const scheduleCron = options.scheduleCron === undefined ? cdk.scheduleCron : options.scheduleCron;
  const portfolios = options.portfolios ?? cdk.portfolios;
  const inlineShardLimit = options.inlineShardLimit ?? cdk.inlineShardLimit ?? 40;
  // the state machine is synthesized while the servers start (the CDK import is most of the start-up)
  const definition = localDefinition({ bucket, inlineShardLimit });
  definition.catch(() => undefined);
  const logLevel = options.logLevel ?? 'WARN';
  const log = options.log ?? (() => undefined);

  // undo list: whatever started is stopped again, also when startup fails half-way
  const closers: Array<() => Promise<void> | void> = [];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
  };

  try {
    // the SDK's default credential chain reads these; restored on stop
    const saved = Object.fromEntries(Object.keys(LOCAL_CREDENTIALS).map((k) => [k, process.env[k]]));
    Object.assign(process.env, LOCAL_CREDENTIALS);
    closers.push(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    if (options.removeDataOnStop) closers.push(() => rm(dataDir, { recursive: true, force: true }));
    makeDirectories(resolve(dataDir, 's3'));
    makeDirectories(resolve(dataDir, 'dynamodb'));

    const S3rver = require('s3rver');
    const s3: S3rverServer = new S3rver({
      port: options.s3Port ?? 4569,
      address: host,
      directory: resolve(dataDir, 's3'),
      silent: true,
      allowMismatchedSignatures: true,
      vhostBuckets: false,
    });
    // refuse unsafe keys and form uploads; never write outside the bucket's folder; a write error is that request's
    guardS3rver(s3 as unknown as Parameters<typeof guardS3rver>[0], resolve(dataDir, 's3'));
    const s3Address = await s3.run();
    closers.push(async () => {
      const closing = s3.close();
      // SDK keep-alive sockets would hold close() open
      s3.httpServer?.closeAllConnections();
      await closing;
    });

    // a failed leveldb write is that request's 500, not an uncaught throw in dynalite
    guardDynalite();
    const dynalite = require('dynalite');
    const dynamo: Server = dynalite({ path: resolve(dataDir, 'dynamodb'), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    closers.push(await serve(dynamo, options.dynamodbPort ?? 4567, host));
    const dynamoPort = (dynamo.address() as { port: number }).port;

    const s3Endpoint = `http://${host}:${s3Address.port}`;
    const dynamodbEndpoint = `http://${host}:${dynamoPort}`;
    const env = { ...LOCAL_CREDENTIALS, AWS_ENDPOINT_URL_S3: s3Endpoint, AWS_ENDPOINT_URL_DYNAMODB: dynamodbEndpoint };

    const s3Client = makeS3Client(env);
    const dynamoClient = makeDynamoClient(env);
    const documentClient = makeDocumentClient(env, dynamoClient);
    closers.push(() => {
      s3Client.destroy();
      documentClient.destroy();
      dynamoClient.destroy();
    });
    await ensureBucket(s3Client, bucket);
    await ensureTable(dynamoClient, table, createRunsTableInput(table));
    // POST /runs with an Idempotency-Key: the same Powertools records as on AWS
    const idempotencyTable = `${table}-idempotency`;
    await ensureTable(dynamoClient, idempotencyTable, createIdempotencyTableInput(idempotencyTable));

    const objects = new S3ObjectStore(bucket, s3Client);
    const runs = new DynamoRunStore(table, documentClient, objects);
    const logger = new Logger({ serviceName: 'varstream-local', logLevel: logLevel as never });
    const workerEnv = { ...process.env, ...env };
    const pool = new StepPool(workers, { bucket, table, inlineShardLimit, env, logLevel }, workerEnv);
    // every run is an execution of the synthesized state machine: Fit, Simulate and Reduce on the worker threads, Fail
    // (a conditional DynamoDB write) here
    const steps: StepRunner = {
      run: (step, event, priority) => (step === 'fail' ? runStep('fail', event, { bucket, objects, runs, inlineShardLimit, logger }) : pool.run(step, event, priority)),
      cancel: (priority, reason) => pool.cancel(priority, reason),
    };
    const executor = new LocalExecutor({
      local: await definition,
      steps,
      deps: { bucket, objects, runs, logger },
      dir: join(dataDir, 'executions'),
      runTimeoutMs: options.runTimeoutMs,
      events: {
        started: (r) => log(`run ${r.runId} started: portfolio ${r.portfolioId}, ${r.input.key} (${r.origin ?? 'api'})`),
        finished: (r, ms) => {
          const risk = riskAt(r);
          const what = r.status === 'SUCCEEDED' ? `VaR99 ${pct(risk.var)} ES99 ${pct(risk.es)}` : r.error;
          log(`run ${r.runId} ${r.status} in ${(ms / 1000).toFixed(2)} s: ${what}`);
        },
      },
    });
    // stop the workers, then every execution in flight ends (FAILED "local stack stopped") while DynamoDB is still up
    closers.push(async () => {
      await pool.stop();
      await executor.drain();
    });

    // before any upload, schedule tick or request: runs a crash (kill -9, power cut) left RUNNING: resumed until their persisted deadline, else FAILED
    const recovery = await recoverInterrupted({ dir: join(dataDir, 'executions'), runs, resume: (state) => executor.resume(state), settle: executor.settle });
    for (const runId of recovery.resumed) log(`run ${runId} resumed: the stack stopped during it`);
    for (const runId of recovery.failed) log(`run ${runId} FAILED: ${INTERRUPTED}`);
    for (const runId of recovery.settling) log(`run ${runId}: its execution had ended, its FAILED is recorded now`);

    const idempotency = makeIdempotencyStore(idempotencyTable, dynamoClient);
    const deps: Deps = { bucket, objects, runs, start: executor.start, history: (runId) => executor.describe(runId), portfolios, inlineShardLimit, logger, idempotency };
    const pending = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>): Promise<T> => {
      pending.add(p);
      p.finally(() => pending.delete(p)).catch(() => undefined);
      return p;
    };
    closers.push(async () => {
      await Promise.allSettled([...pending]);
    });
    let accepting = true;
    closers.push(() => {
      accepting = false;
    });

    s3.on('event', (notification) => {
      if (!accepting) return;
      for (const record of notification.Records ?? []) {
        if (!record.eventName.startsWith('ObjectCreated:') || record.s3.bucket.name !== bucket) continue;
        // the rule on AWS matches uploads/ only: partials, results and inline CSVs never trigger
        if (!record.s3.object.key.startsWith('uploads/')) continue;
        track(triggerStep(toObjectCreated(record), deps))
          .then((r) => r.skipped && log(`upload ${r.skipped} SKIPPED: not uploads/<portfolioId>/<name>.csv (GET /portfolios/_ignored/runs)`))
          .catch((e) => logger.error('upload trigger failed', e as Error));
      }
    });

    const api = createApiServer((req) => route(req, deps), (e) => logger.error('api error', e as Error));
    closers.push(await serve(api, options.apiPort ?? 3000, host));
    const apiUrl = `http://${host}:${(api.address() as { port: number }).port}`;

    const fireSchedule = (time = new Date()): Promise<Started[]> =>
      track(triggerStep({ 'detail-type': 'Scheduled Event', time: time.toISOString() }, deps)).then((r) => r.runs);
    let job: Cron | undefined;
    if (scheduleCron) {
      job = startSchedule(scheduleCron, (t) => {
        if (!accepting) return;
        log(`schedule ${scheduleCron} fired: re-running ${portfolios.length ? portfolios.join(', ') : 'no portfolios'}`);
        fireSchedule(t).catch((e) => logger.error('schedule failed', e as Error));
      });
      closers.push(() => job?.stop());
    }

    await pool.ready;
    log(`S3        ${s3Endpoint}  bucket ${bucket} (data ${dataDir})`);
    log(`DynamoDB  ${dynamodbEndpoint}  table ${table}`);
    log(`API       ${apiUrl}  (POST /runs, GET /runs/{runId}, GET /runs/{runId}/report, GET /portfolios/{portfolioId}/runs, GET /portfolios/{portfolioId}/history, GET /)`);
    log(`schedule  ${scheduleCron ? `${scheduleCron} UTC${job ? `, next ${job.nextRun()?.toISOString()}` : ''}` : 'off'}; portfolios: ${portfolios.join(', ') || '(none)'}`);
    log(`workers   ${workers} step worker thread${workers === 1 ? '' : 's'}`);

    let stopping: Promise<void> | undefined;
    return {
      apiUrl,
      s3Endpoint,
      dynamodbEndpoint,
      bucket,
      table,
      dataDir,
      env,
      waitForRun: (runId, timeoutMs) => executor.waitForRun(runId, timeoutMs),
      uploadRunId: (key, etag) => uploadRunId({ bucket, key, sequencer: etag.replace(/"/g, '') }),
      fireSchedule,
      workerMemory: () => pool.memory(),
      stop: () => (stopping ??= closeAll()),
    };
  } catch (e) {
    await closeAll();
    throw e;
  }
}

/** The log line's percentage; not report/format.ts's pct: the local stack does not import the report layer. */
function pct(x: number | undefined): string {
  return x === undefined ? '?' : `${(100 * x).toFixed(3)}%`;
}
