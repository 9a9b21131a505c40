// The messages between Fit, the shards and Reduce: what a shard is asked to simulate (ShardDescriptor with its
// Selection) and what it answers (ShardPartial), plus what travelled (Transfer). Split from types.ts by concern.
import type { FactorModel, SimulationSettings } from './types.ts';

/**
 * Which samples a shard ships (exact distributed selection, see tail.ts): disjoint value brackets [lo, hi] around the
 * order statistics the run needs. Samples inside a bracket travel as (value, index) pairs; samples in the gap below a
 * bracket travel as an exact count and an exact sum; samples above the last bracket as nothing but the count.
 */
export interface Selection {
  /** 1: the speculative pass (brackets from the model's quantiles); 2, 3: a retry after a bracket missed a rank */
  pass: number;
  /** ascending, disjoint, inclusive value intervals; null stands for −∞ (lo) or +∞ (hi), which JSON cannot hold */
  brackets: Array<[number | null, number | null]>;
  /**
   * component ES at every level: ascending edges inside the brackets (each bracket's finite lower edge and its
   * sub-edges, selection.ts SUBBANDS); the shard sums the per-factor
   * contributions of its samples below the last edge, one band per edge (band m: [edge m−1, edge m)); [] for none
   */
  attributeBelow: number[];
}

/** What one Simulate invocation needs: small JSON, far under 256 KB. */
export interface ShardDescriptor {
  runId?: string;
  shard: number;
  /** sample index range [start, end) */
  start: number;
  end: number;
  /** total simulations of the run */
  simulations: number;
  model: FactorModel;
  simulation: SimulationSettings;
  selection: Selection;
}

/** Exact sums of a shard's samples in one band of `Selection.attributeBelow`: Shewchuk partials (see exact-sum.ts). */
export interface AttributionSums {
  count: number;
  /** one exact sum of β_j Σ_d F_{j,d} per factor, in model.factors order */
  factors: number[][];
  /** exact sum of the residual parts Σ_d ε_d */
  residual: number[];
}

/** Everything a shard's partial says but its in-bracket samples: what the binary form's JSON header holds. */
export interface ShardPartialHead {
  shard: number;
  start: number;
  end: number;
  count: number;
  /** running sums in index order (diagnostic only: they depend on the split) */
  sum: number;
  sumSquares: number;
  /** the selection the shard ran (the reducer checks every shard ran the same one) */
  selection?: Selection;
  bracketSizes?: number[];
  /** samples in the gap below bracket j (above bracket j − 1), and their exact sum (Shewchuk partials) */
  gapCounts?: number[];
  gapSums?: number[][];
  /** one per `selection.attributeBelow` edge (the band below it) */
  attribution?: AttributionSums[];
  /** counts of all the shard's samples in the run's fixed histogram bins (summed across shards: split-invariant) */
  histogram?: number[];
}

/**
 * A shard's result under its descriptor's selection. `values`/`indices` hold the in-bracket samples, bracket 0's first,
 * each bracket's ascending by (value, sample index); `bracketSizes[j]` of them belong to bracket j. Large ones travel
 * as binary objects by reference (`ref`, the storage reference of the encoded partial): inline samples or a `ref`,
 * never both (`never` on the excluded fields; lambdas/contracts/steps.ts validates a message read back).
 */
export type ShardPartial = ShardPartialHead &
  ({ values?: number[]; indices?: number[]; ref?: never } | { ref: string; values?: never; indices?: never });

/** What travelled from the shards to the reducer: `transfer` in the run JSON. */
export interface Transfer {
  /** 1, or 2–3 when a bracket missed a needed rank and the shards ran again */
  passes: number;
  /** encoded size of every partial (partial-codec.ts), summed over passes */
  bytes: number;
  /** (value, index) pairs shipped, summed over passes */
  samplesShipped: number;
}
