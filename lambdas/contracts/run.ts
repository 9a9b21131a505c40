// A run's identity and its timings: the fields every pipeline step, the runs table and the API agree on. The zod
// schemas are the one statement of the identity: the types come from them, and so do the state machine's field lists
// (lib/pipeline.ts, through stateFields in steps.ts).
import { z } from 'zod';

/** The object a run reads: the uploaded (or inline-stored) CSV, pinned to its version or ETag. */
export const objectRefSchema = z.object({
  bucket: z.string(),
  key: z.string(),
  versionId: z.string().optional(),
  etag: z.string().optional(),
});

/**
 * Who a run is: passed unchanged from Trigger/API through Fit, the shards and Reduce to Fail, and stored as the item's
 * key attributes. The state machine's field lists are built from this schema's keys.
 */
export const runRefSchema = z.object({
  runId: z.string(),
  portfolioId: z.string(),
  input: objectRefSchema,
  createdAt: z.string(),
});
export type RunRef = z.infer<typeof runRefSchema>;

/**
 * The run JSON's `timings`, in milliseconds; each producer fills the steps it measures. The pipeline: read, fit
 * (Fit) and reduce (Reduce). `varstream run`, which runs every step in one process: all five, and how many worker
 * threads simulated. `varstream backtest`: fit and simulate.
 */
export interface Timings {
  readMs?: number;
  fitMs?: number;
  simulateMs?: number;
  reduceMs?: number;
  /** the setting `backtest`'s model comparison, inside Fit */
  backtestMs?: number;
  totalMs?: number;
  workers?: number;
}
