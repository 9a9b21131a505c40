// The body of POST /runs: one zod schema, from which the API Gateway model (lib/api.ts) is generated as JSON Schema
// draft-04, so the gateway and the handler cannot drift apart.
import { z } from 'zod';
import { PORTFOLIO_ID_PATTERN } from './run-ids.ts';

/** An inline CSV in the body is refused (413) above this. */
export const MAX_INLINE_CSV_BYTES = 1024 * 1024;

/** Where the CSV comes from: exactly one of an upload's key (with an optional version) or the CSV text itself. */
type RunSource = { key: string; versionId?: string; csv?: never } | { csv: string; key?: never; versionId?: never };

/** POST /runs `{portfolioId, key | csv, versionId?, settings?}`; settings are checked by the settings schema. */
export type RunRequest = { portfolioId: string; settings?: Record<string, unknown> } & RunSource;

export const runRequestSchema = z
  .strictObject({
    portfolioId: z.string().regex(new RegExp(PORTFOLIO_ID_PATTERN)),
    key: z
      .string()
      .max(1024)
      .regex(/^uploads\//)
      .optional(),
    versionId: z.string().max(1024).optional(),
    // a character count: the byte limit (multi-byte text is longer in bytes) is the handler's 413
    csv: z.string().max(MAX_INLINE_CSV_BYTES).optional(),
    settings: z.looseObject({}).optional(),
  })
  .refine((r) => (r.key === undefined) !== (r.csv === undefined), { message: 'give exactly one of key or csv' })
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
 * Parses a body already decoded from JSON.
 *
 * @example parseRunRequest({ portfolioId: 'tech11', key: 'uploads/tech11/a.csv' }).success // true
 */
export function parseRunRequest(body: unknown): { success: true; data: RunRequest } | { success: false; error: string } {
  const parsed = runRequestSchema.safeParse(body);
  if (parsed.success) return { success: true, data: parsed.data as RunRequest };
  const issue = parsed.error.issues[0];
  return { success: false, error: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message };
}
