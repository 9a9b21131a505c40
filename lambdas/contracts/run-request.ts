// The body of POST /runs: one zod schema, from which the API Gateway model (lib/api.ts) is generated as JSON Schema
// draft-04, so the gateway and the handler cannot drift apart.
import { z } from 'zod';
import { isPortfolioId, PORTFOLIO_ID_PATTERN } from './run-ids.ts';

/** An inline CSV in the body is refused (413) above this. */
export const MAX_INLINE_CSV_BYTES = 1024 * 1024;

/** Where the CSV comes from: exactly one of an upload's key (with an optional version) or the CSV text itself. */
type RunSource = { key: string; versionId?: string; csv?: never } | { csv: string; key?: never; versionId?: never };

/** POST /runs `{portfolioId, key | csv, versionId?, settings?}`; settings are checked by the settings schema. */
export type RunRequest = { portfolioId: string; settings?: Record<string, unknown> } & RunSource;

// The messages name the key and say what is allowed: the API answers them as `400 {error}` word for word.
const PORTFOLIO_ID = 'portfolioId is required: letters, digits, ".", "_", "-"';
const KEY = 'key must be an object key under uploads/<portfolioId>/ (no empty, "." or ".." segments)';
const VERSION_ID = 'versionId must be a string of at most 1024 characters';

export const runRequestSchema = z
  .strictObject(
    {
      portfolioId: z
        .string({ error: PORTFOLIO_ID })
        .regex(new RegExp(PORTFOLIO_ID_PATTERN), { error: PORTFOLIO_ID })
        .refine(isPortfolioId, { error: PORTFOLIO_ID }),
      key: z
        .string({ error: KEY })
        .max(1024, { error: KEY })
        .regex(/^uploads\//, { error: KEY })
        .optional(),
      versionId: z.string({ error: VERSION_ID }).max(1024, { error: VERSION_ID }).optional(),
      // a character count: the byte limit (multi-byte text is longer in bytes) is the handler's 413
      csv: z
        .string({ error: 'csv must be a string' })
        .max(MAX_INLINE_CSV_BYTES, { error: `csv over ${MAX_INLINE_CSV_BYTES} characters` })
        .optional(),
      settings: z.looseObject({}, { error: 'settings must be an object' }).optional(),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys' ? `unknown field "${issue.keys[0]}"` : issue.code === 'invalid_type' ? 'body must be a JSON object' : undefined,
    },
  )
  .refine((r) => (r.key === undefined) !== (r.csv === undefined), { error: 'give exactly one of key or csv' })
  .meta({ title: 'RunRequest' });

/**
 * The schema as JSON Schema draft-04, the dialect API Gateway models speak. Refinements (exactly one of key or csv)
 * do not translate: the handler checks them.
 *
 * @example runRequestJsonSchema().required // ['portfolioId']
 */
export function runRequestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(runRequestSchema, { target: 'draft-4', io: 'input' }) as Record<string, unknown>;
}

/**
 * Parses a body already decoded from JSON; a refusal is the first problem's message, which names the key.
 *
 * @example parseRunRequest({ portfolioId: 'tech11', key: 'uploads/tech11/a.csv' }).success // true
 */
export function parseRunRequest(body: unknown): { success: true; data: RunRequest } | { success: false; error: string } {
  const parsed = runRequestSchema.safeParse(body);
  if (parsed.success) return { success: true, data: parsed.data as RunRequest };
  return { success: false, error: parsed.error.issues[0].message };
}
