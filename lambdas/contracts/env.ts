// The VARSTREAM_* environment of the Lambda handlers: the names the CDK sets (lib/compute.ts) and the one schema the
// runtime parses them with (lambdas/handlers/deps.ts). A typo fails the cold start with the variable named.
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

const positiveInteger = (variable: string, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .optional()
      .transform((raw, ctx) => {
        if (raw === undefined) return fallback;
        const value = Number(raw);
        if (Number.isInteger(value) && value >= 1) return value;
        ctx.addIssue({ code: 'custom', message: `${variable} must be a positive integer, got "${raw}"` });
        return z.NEVER;
      }),
  );

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
      .transform((s) =>
        (s ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean),
      ),
    [HANDLER_ENV.inlineShardLimit]: positiveInteger(HANDLER_ENV.inlineShardLimit, 40),
  })
  .transform((e) => ({
    bucket: e.VARSTREAM_BUCKET,
    table: e.VARSTREAM_TABLE,
    stateMachineArn: e.VARSTREAM_STATE_MACHINE_ARN,
    idempotencyTable: e.VARSTREAM_IDEMPOTENCY_TABLE,
    portfolios: e.VARSTREAM_PORTFOLIOS,
    inlineShardLimit: e.VARSTREAM_INLINE_SHARD_LIMIT,
  }));

export type HandlerEnv = z.output<typeof handlerEnvSchema>;

/**
 * Parses the handlers' environment; throws a ConfigError whose message is the first problem, naming the variable.
 *
 * @example parseHandlerEnv({ VARSTREAM_BUCKET: 'b', VARSTREAM_TABLE: 't' }).inlineShardLimit // 40
 */
export function parseHandlerEnv(env: Record<string, string | undefined>): HandlerEnv {
  const parsed = handlerEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  return parsed.data;
}
