// What the handlers need from the outside world, built from the environment (Lambda) or handed in (tests, local stack).
import { Logger } from '@aws-lambda-powertools/logger';
import { S3ObjectStore } from '../adapters/object-store.ts';
import { DynamoRunStore, type RunStore } from '../adapters/run-store.ts';
import { makeIdempotencyStore, type IdempotencyStore } from '../adapters/idempotency.ts';
import { sfnStarter } from '../adapters/step-functions.ts';
import { parseHandlerEnv } from '../contracts/env.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { RunInput } from '../contracts/steps.ts';

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
  /** the run's execution and its history (local stack: GET /runs/{runId}?history=1); absent on AWS */
  history?(runId: string): Promise<object | undefined>;
}

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'varstream' });

let cached: Deps | undefined;

/** Deps from VARSTREAM_* variables, built once per container. */
export function depsFromEnv(env: Record<string, string | undefined> = process.env): Deps {
  if (cached && env === process.env) return cached;
  const e = parseHandlerEnv(env);
  const objects = new S3ObjectStore(e.bucket);
  const deps: Deps = {
    bucket: e.bucket,
    objects,
    runs: new DynamoRunStore(e.table, undefined, objects),
    start: e.stateMachineArn
      ? sfnStarter(e.stateMachineArn)
      : async () => {
          throw new ConfigError('VARSTREAM_STATE_MACHINE_ARN', 'VARSTREAM_STATE_MACHINE_ARN is not set: this function cannot start runs');
        },
    portfolios: e.portfolios,
    inlineShardLimit: e.inlineShardLimit,
    logger,
    ...(e.idempotencyTable ? { idempotency: makeIdempotencyStore(e.idempotencyTable) } : {}),
  };
  if (env === process.env) cached = deps;
  return deps;
}
