// A run's identity and its timings: the fields every pipeline step, the runs table and the API agree on.

/** The object a run reads: the uploaded (or inline-stored) CSV, pinned to its version or ETag. */
export interface ObjectRef {
  bucket: string;
  key: string;
  versionId?: string;
  etag?: string;
}

/**
 * Who a run is: passed unchanged from Trigger/API through Fit, the shards and Reduce to Fail, and stored as the item's
 * key attributes. The state machine's field lists (lib/pipeline.ts) name exactly these.
 */
export interface RunRef {
  runId: string;
  portfolioId: string;
  input: ObjectRef;
  createdAt: string;
}

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
