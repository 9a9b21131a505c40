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
 * both (`never` on the other field). `context` is the S3 key of the fit, model and settings Reduce needs.
 */
export type FitOutput<Descriptor = unknown> = RunRef & { shardCount: number; context: string } & (
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
  context: z.string(),
});

/**
 * Reduce's input: the inline Map's `partials`, or none after a Distributed Map (then each is read from
 * partials/<runId>/<shard>.json).
 */
export const reduceInputSchema = reduceRefSchema.extend({ partials: z.array(z.unknown()).optional() });
export type ReduceInput<Partial = unknown> = z.infer<typeof reduceRefSchema> & { partials?: Partial[] };

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
