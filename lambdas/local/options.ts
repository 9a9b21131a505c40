// The embedded stack's options, and how `npm start` reads them from the VARSTREAM_* variables.

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

/** Options from VARSTREAM_* variables (`npm start`). */
export function optionsFromEnv(env: Record<string, string | undefined> = process.env): LocalStackOptions {
  const port = (name: string, fallback: number) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name}=${v}: expected a port number (0 = any free port)`);
    return n;
  };
  const workers = env.VARSTREAM_WORKERS ? Number(env.VARSTREAM_WORKERS) : undefined;
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) throw new Error(`VARSTREAM_WORKERS=${env.VARSTREAM_WORKERS}: expected an integer ≥ 1`);
  const runTimeoutMs = env.VARSTREAM_RUN_TIMEOUT_MS ? Number(env.VARSTREAM_RUN_TIMEOUT_MS) : undefined;
  if (runTimeoutMs !== undefined && !(Number.isInteger(runTimeoutMs) && runTimeoutMs >= 1))
    throw new Error(`VARSTREAM_RUN_TIMEOUT_MS=${env.VARSTREAM_RUN_TIMEOUT_MS}: expected a number of milliseconds ≥ 1`);
  return {
    dataDir: env.VARSTREAM_DATA_DIR || '.varstream',
    bucket: env.VARSTREAM_BUCKET || 'varstream-local',
    table: env.VARSTREAM_TABLE || 'varstream-runs',
    apiPort: port('VARSTREAM_API_PORT', 3000),
    s3Port: port('VARSTREAM_S3_PORT', 4569),
    dynamodbPort: port('VARSTREAM_DYNAMODB_PORT', 4567),
    workers,
    ...(runTimeoutMs !== undefined ? { runTimeoutMs } : {}),
    portfolios: env.VARSTREAM_PORTFOLIOS !== undefined ? env.VARSTREAM_PORTFOLIOS.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
    logLevel: env.VARSTREAM_LOG_LEVEL || undefined,
  };
}
