// The JSON passed between the pipeline's steps (the Step Functions state, or the local stack's executor): one zod
// schema per step input, built on RunRef. The state machine (lib/pipeline.ts) selects its fields with stateFields, so
// a field added here reaches the step without a second list. Engine types (shard descriptors and partials) stay
// opaque type parameters: this layer imports no other.
import { z } from 'zod';
import { type RunRef, runRefSchema } from './run.ts';

/** Why a run exists. */
export const RUN_ORIGINS = ['upload', 'api', 'schedule'] as const;

/** What starts a run (Trigger/API → Fit). Also what Fail needs to record a run that never reached RUNNING. */
export const runInputSchema = runRefSchema.extend({
  /** request settings (POST /runs), merged over config/<portfolioId>.json */
  settings: z.record(z.string(), z.unknown()).optional(),
  origin: z.enum(RUN_ORIGINS).optional(),
});
export type RunInput = z.infer<typeof runInputSchema>;

/**
 * Fit → Map → Reduce: small runs carry `descriptors` inline, large ones `descriptorsKey` (an S3 JSON array), never
 * both (`never` on the other field). `contextKey` is the S3 key of the fit, model and settings Reduce needs.
 */
export type FitOutput<Descriptor = unknown> = RunRef & { shardCount: number; contextKey: string } & (
    | { descriptors: Descriptor[]; descriptorsKey?: never }
    | { descriptorsKey: string; descriptors?: never }
  );

/** One Map item. `persist` (Distributed Map) writes the partial to S3 instead of returning it. */
export interface SimulateInput<Descriptor = unknown> {
  descriptor: Descriptor;
  persist?: boolean;
}

/** What Reduce reads from the state, whichever Map ran: the run, how many shards, the Fit context's key. */
export const reduceRefSchema = runRefSchema.extend({
  shardCount: z.number().int().min(1),
  contextKey: z.string(),
});

/**
 * Reduce's input: the inline Map's `partials`, or none after a Distributed Map (then each is read from
 * partials/<runId>/<shard>.json).
 */
export const reduceInputSchema = reduceRefSchema.extend({ partials: z.array(z.unknown()).optional() });
export type ReduceInput<Partial = unknown> = z.infer<typeof reduceRefSchema> & { partials?: Partial[] };

const count = z.number().int().min(0);
const partialHead = { shard: count, start: count, end: count, count };

/**
 * A shard's partial as it crosses the state or S3 (Simulate → Reduce): its samples inline (`values`, `indices`) or a
 * `ref` to their binary form, never both. Only the fields that say which is checked here; the rest (brackets, sums,
 * selection) is the merger's to check.
 */
export const partialMessageSchema = z.union([
  z.looseObject({ ...partialHead, ref: z.never().optional(), values: z.array(z.number()).optional(), indices: z.array(count).optional() }),
  z.looseObject({ ...partialHead, ref: z.string(), values: z.never().optional(), indices: z.never().optional() }),
]);

/**
 * Checks a partial message; a refusal names the first problem's field.
 *
 * @example parsePartialMessage({ shard: 0, start: 0, end: 10, count: 10, ref: 'r', values: [] }).success // false
 */
export function parsePartialMessage(message: unknown): { success: true } | { success: false; error: string } {
  const parsed = partialMessageSchema.safeParse(message);
  if (parsed.success) return { success: true };
  const refused = (parsed.error.issues[0] as { errors?: Array<Array<{ path: PropertyKey[]; message: string }>> }).errors;
  // a union's issue holds each branch's issues: report the branch that got further (the one with fewer problems)
  const branch = refused?.slice().sort((a, b) => a.length - b.length)[0]?.[0] ?? parsed.error.issues[0];
  return { success: false, error: `${branch.path.join('.') || 'partial'}: ${branch.message}` };
}

/** The Catch target's input: the state's identity (only runId is sure) plus the Catch's `error` = {Error, Cause}. */
export const failInputSchema = runRefSchema.partial().extend({
  runId: z.string(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }),
});
export type FailInput = z.infer<typeof failInputSchema>;

/**
 * The Step Functions selector that copies a schema's fields from the state: `{"runId.$": "$.runId", …}`.
 *
 * @example stateFields(runRefSchema) // { 'runId.$': '$.runId', 'portfolioId.$': '$.portfolioId', 'input.$': '$.input', 'createdAt.$': '$.createdAt' }
 */
export function stateFields(schema: z.ZodObject): Record<string, string> {
  return Object.fromEntries(Object.keys(schema.shape).map((field) => [`${field}.$`, `$.${field}`]));
}
