// What the handlers need from the outside world, built from the environment (Lambda) or handed in (tests, local stack).
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeSfnClient } from '../adapters/clients.ts';
import { S3ObjectStore } from '../adapters/object-store.ts';
import { DynamoRunStore, type RunStore } from '../adapters/run-store.ts';
import { makeIdempotencyStore, type IdempotencyStore } from '../adapters/idempotency.ts';
import type { RunInput } from './contracts.ts';

export interface Deps {
  /** the uploads bucket (partials, results, inline uploads go here) */
  bucket: string;
  objects: S3ObjectStore;
  runs: RunStore;
  /** starts one run; `started` false when a run with this runId already exists (the duplicate is a no-op) */
  start(input: RunInput): Promise<{ started: boolean }>;
  /** portfolios the schedule re-runs */
  portfolios: string[];
  /** shards above this count go to the Distributed Map (descriptors through S3) */
  inlineShardLimit: number;
  logger: Logger;
  /** Powertools idempotency records of POST /runs; without it the Idempotency-Key header is ignored */
  idempotency?: IdempotencyStore;
}

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'varstream' });

function required(env: Record<string, string | undefined>, name: string): string {
  const v = env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

/** Step Functions StartExecution with name = runId: AWS refuses a second execution of the same name. */
export function sfnStarter(stateMachineArn: string, client = makeSfnClient()): Deps['start'] {
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

let cached: Deps | undefined;

/** Deps from VARSTREAM_* variables, built once per container. */
export function depsFromEnv(env: Record<string, string | undefined> = process.env): Deps {
  if (cached && env === process.env) return cached;
  const bucket = required(env, 'VARSTREAM_BUCKET');
  const objects = new S3ObjectStore(bucket);
  const stateMachineArn = env.VARSTREAM_STATE_MACHINE_ARN;
  const deps: Deps = {
    bucket,
    objects,
    runs: new DynamoRunStore(required(env, 'VARSTREAM_TABLE'), undefined, objects),
    start: stateMachineArn
      ? sfnStarter(stateMachineArn)
      : async () => {
          throw new Error('VARSTREAM_STATE_MACHINE_ARN is not set: this function cannot start runs');
        },
    portfolios: (env.VARSTREAM_PORTFOLIOS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    inlineShardLimit: positiveInteger(env, 'VARSTREAM_INLINE_SHARD_LIMIT', 40),
    logger,
    ...(env.VARSTREAM_IDEMPOTENCY_TABLE ? { idempotency: makeIdempotencyStore(env.VARSTREAM_IDEMPOTENCY_TABLE) } : {}),
  };
  if (env === process.env) cached = deps;
  return deps;
}

/** A positive integer setting from the environment; a typo fails the cold start instead of silently lifting a limit. */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}
