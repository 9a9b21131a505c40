// The embedded stack's options, and how `npm start` reads them from the VARSTREAM_* variables.
import { parseLocalEnv } from '../contracts/env.ts';

export interface LocalStackOptions {
  /** where s3rver and dynalite keep their data (default `.varstream/`) */
  dataDir?: string;
  /** remove dataDir on stop (tests, the demo) */
  removeDataOnStop?: boolean;
  bucket?: string;
  table?: string;
  host?: string;
  /** 0 = any free port */
  apiPort?: number;
  s3Port?: number;
  dynamodbPort?: number;
  /** step worker threads (default: every core) */
  workers?: number;
  /** EventBridge expression of the re-run schedule (default cdk.json `scheduleCron`); null = no schedule */
  scheduleCron?: string | null;
  /** portfolios the schedule re-runs (default cdk.json `portfolios`) */
  portfolios?: string[];
  /** shards above this go through S3 like the Distributed Map (default cdk.json `inlineShardLimit`, else 40) */
  inlineShardLimit?: number;
  /** a run still going after this many ms is FAILED "run timed out after …" (default 15 min; VARSTREAM_RUN_TIMEOUT_MS) */
  runTimeoutMs?: number;
  /** Powertools log level of the steps (default WARN) */
  logLevel?: string;
  /** one human-readable line per event (run started/finished); default: silent */
  log?: (line: string) => void;
}

/** Options from VARSTREAM_* variables (`npm start`): the schema in lambdas/contracts/env.ts, defaults applied. */
export function optionsFromEnv(env: Record<string, string | undefined> = process.env): LocalStackOptions {
  const { runTimeoutMs, ...options } = parseLocalEnv(env);
  return { ...options, ...(runTimeoutMs !== undefined ? { runTimeoutMs } : {}) };
}
