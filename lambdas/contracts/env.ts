// The VARSTREAM_* environments, one zod schema each: the Lambda handlers' (names set by the CDK in lib/compute.ts,
// parsed in lambdas/handlers/deps.ts) and the embedded local stack's (`npm start`, lambdas/local/options.ts). A typo
// fails at start with the variable named (a ConfigError).
import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** Variable names by meaning; the CDK writes exactly these keys. */
export const HANDLER_ENV = {
  bucket: 'VARSTREAM_BUCKET',
  table: 'VARSTREAM_TABLE',
  stateMachineArn: 'VARSTREAM_STATE_MACHINE_ARN',
  portfolios: 'VARSTREAM_PORTFOLIOS',
  inlineShardLimit: 'VARSTREAM_INLINE_SHARD_LIMIT',
  idempotencyTable: 'VARSTREAM_IDEMPOTENCY_TABLE',
} as const;

// an empty variable counts as unset (a CDK token that resolved to '' must not pass as a name)
const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);
const name = (variable: string) => z.preprocess(unsetIfEmpty, z.string({ error: `environment variable ${variable} is not set` }));
const optionalName = z.preprocess(unsetIfEmpty, z.string().optional());

/** An integer variable: `fallback` when unset, else a whole number passing `ok`, else the issue `message(raw)`. */
const integer = <F extends number | undefined>(fallback: F, ok: (n: number) => boolean, message: (raw: string) => string) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((raw, ctx): number | F => {
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (Number.isInteger(value) && ok(value)) return value;
        ctx.addIssue({ code: 'custom', message: message(raw) });
        return z.NEVER;
      }),
  );

const positiveInteger = (variable: string, fallback: number) =>
  integer(
    fallback,
    (n) => n >= 1,
    (raw) => `${variable} must be a positive integer, got "${raw}"`,
  );

/** The parsed variables under their meanings: { bucket: e.VARSTREAM_BUCKET, … } for names { bucket: 'VARSTREAM_BUCKET', … }. */
const byMeaning =
  <N extends Record<string, string>>(names: N) =>
  <E extends { [V in N[keyof N]]?: unknown }>(e: E): { [K in keyof N]: E[N[K]] } =>
    Object.fromEntries(Object.entries(names).map(([meaning, variable]) => [meaning, e[variable as N[keyof N]]])) as { [K in keyof N]: E[N[K]] };

/** "a, b,,c" → ['a', 'b', 'c'] */
const commaList = (s: string) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** The handlers' settings, parsed from the environment: names as above, values typed, defaults applied. */
export const handlerEnvSchema = z
  .object({
    [HANDLER_ENV.bucket]: name(HANDLER_ENV.bucket),
    [HANDLER_ENV.table]: name(HANDLER_ENV.table),
    [HANDLER_ENV.stateMachineArn]: optionalName,
    [HANDLER_ENV.idempotencyTable]: optionalName,
    [HANDLER_ENV.portfolios]: z
      .string()
      .optional()
      .transform((s) => commaList(s ?? '')),
    [HANDLER_ENV.inlineShardLimit]: positiveInteger(HANDLER_ENV.inlineShardLimit, 40),
  })
  .transform(byMeaning(HANDLER_ENV));

export type HandlerEnv = z.output<typeof handlerEnvSchema>;

/**
 * Parses the handlers' environment; throws a ConfigError whose message is the first problem, naming the variable.
 *
 * @example parseHandlerEnv({ VARSTREAM_BUCKET: 'b', VARSTREAM_TABLE: 't' }).inlineShardLimit // 40
 */
export function parseHandlerEnv(env: Record<string, string | undefined>): HandlerEnv {
  return parseEnv(handlerEnvSchema, env);
}

/** The local stack's variables (`npm start`); the bucket, table and portfolios share the handlers' names. */
export const LOCAL_ENV = {
  dataDir: 'VARSTREAM_DATA_DIR',
  bucket: HANDLER_ENV.bucket,
  table: HANDLER_ENV.table,
  apiPort: 'VARSTREAM_API_PORT',
  s3Port: 'VARSTREAM_S3_PORT',
  dynamodbPort: 'VARSTREAM_DYNAMODB_PORT',
  workers: 'VARSTREAM_WORKERS',
  runTimeoutMs: 'VARSTREAM_RUN_TIMEOUT_MS',
  portfolios: HANDLER_ENV.portfolios,
  logLevel: 'VARSTREAM_LOG_LEVEL',
} as const;

const withDefault = (fallback: string) => z.preprocess(unsetIfEmpty, z.string().default(fallback));
const port = (variable: string, fallback: number) =>
  integer(
    fallback,
    (n) => n >= 0 && n <= 65535,
    (raw) => `${variable}=${raw}: expected a port number (0 = any free port)`,
  );

/** The local stack's settings from the environment, with the documented defaults (README "The local stack"). */
export const localEnvSchema = z
  .object({
    [LOCAL_ENV.dataDir]: withDefault('.varstream'),
    [LOCAL_ENV.bucket]: withDefault('varstream-local'),
    [LOCAL_ENV.table]: withDefault('varstream-runs'),
    [LOCAL_ENV.apiPort]: port(LOCAL_ENV.apiPort, 3000),
    [LOCAL_ENV.s3Port]: port(LOCAL_ENV.s3Port, 4569),
    [LOCAL_ENV.dynamodbPort]: port(LOCAL_ENV.dynamodbPort, 4567),
    [LOCAL_ENV.workers]: integer(
      undefined,
      (n) => n >= 1,
      (raw) => `${LOCAL_ENV.workers}=${raw}: expected an integer ≥ 1`,
    ),
    [LOCAL_ENV.runTimeoutMs]: integer(
      undefined,
      (n) => n >= 1,
      (raw) => `${LOCAL_ENV.runTimeoutMs}=${raw}: expected a number of milliseconds ≥ 1`,
    ),
    // unset: the stack's default (cdk.json); set, even to '', the list it names
    [LOCAL_ENV.portfolios]: z
      .string()
      .optional()
      .transform((s) => (s === undefined ? undefined : commaList(s))),
    [LOCAL_ENV.logLevel]: optionalName,
  })
  .transform(byMeaning(LOCAL_ENV));

export type LocalEnv = z.output<typeof localEnvSchema>;

/**
 * Parses the local stack's environment; throws a ConfigError naming the variable.
 *
 * @example parseLocalEnv({ VARSTREAM_API_PORT: '0' }).apiPort // 0
 */
export function parseLocalEnv(env: Record<string, string | undefined>): LocalEnv {
  return parseEnv(localEnvSchema, env);
}

function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  return parsed.data;
}
