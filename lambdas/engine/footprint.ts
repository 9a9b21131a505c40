// Each pipeline step's peak memory, derived from a shard plan: how many samples the plan's selection is expected to
// ship (under the model's own law), and what holding them costs in Simulate and in Reduce. The Lambda memory sizes
// (lib/compute.ts) must hold these with room to spare; a test pins it for the largest plan the settings allow.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { tPValue } from './diagnostics.ts';
import { INLINE_LIMIT } from './partial-codec.ts';
import { SIGMAS, type ReturnLaw } from './selection.ts';
import { returnLaw } from './simulate.ts';
import type { Selection, ShardDescriptor } from './types.ts';

/** A Node.js Lambda's own resident memory (runtime, AWS SDK, the bundle) before any sample: generous. */
export const RUNTIME_BYTES = 160 * 2 ** 20;
/** One (value, index) pair: 8 + 4 bytes. */
const PAIR = 12;
/** A pair as inline JSON text: a double (at most 24 characters), an index (at most 10) and separators. */
const PAIR_TEXT = 40;
/** A pair of an inline message in memory: its text as a JS string (UTF-16) and its parsed form, with margin. */
const PAIR_JSON = 200;
/** Fixed per-partial cost: header JSON (selection, gap sums, attribution sums, 100 histogram counts). */
const PARTIAL_HEADER = 8 * 1024;
/** Partials the Reduce handler holds at once (its fetch concurrency). */
const IN_FLIGHT = 16;
/** Simulate's sample chunk, histogram scratch and the like. */
const SIMULATE_FIXED = 2 * 2 ** 20;

function cdf(law: ReturnLaw, x: number): number {
  if (x === -Infinity) return 0;
  if (x === Infinity) return 1;
  if (law.kind === 'normal') return law.sd > 0 ? normalCdf((x - law.mean) / law.sd, 0, 1) : x >= law.mean ? 1 : 0;
  if (law.kind === 't') {
    const t = (x - law.mean) / (law.sd * Math.sqrt((law.df - 2) / law.df));
    const tail = tPValue(t, law.df) / 2; // P(T > |t|)
    return t < 0 ? tail : 1 - tail;
  }
  // pilot: the fraction of its sorted samples ≤ x
  const s = law.sorted;
  let lo = 0;
  let hi = s.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo / s.length;
}

/** Expected (value, index) pairs a selection ships over `simulations` samples, plus SIGMAS binomial SEs. */
export function expectedShipped(selection: Selection, law: ReturnLaw, simulations: number): number {
  let p = 0;
  for (const [lo, hi] of selection.brackets) p += cdf(law, hi ?? Infinity) - cdf(law, lo ?? -Infinity);
  const mean = simulations * Math.min(1, p);
  return Math.min(simulations, Math.ceil(mean + SIGMAS * Math.sqrt(mean) + 1));
}

export interface Footprint {
  /** pairs shipped by the whole run and by the largest shard (expected + SIGMAS SEs) */
  shipped: number;
  shardShipped: number;
  /** the largest shard's message in memory: inline JSON (text and parsed), or (over INLINE_LIMIT) its binary object */
  partialBytes: number;
  inline: boolean;
  /** peak resident bytes of one Simulate invocation and of Reduce */
  simulateBytes: number;
  reduceBytes: number;
}

/**
 * The plan's footprint. Simulate: the runtime, its chunk, and its in-bracket pairs six times over (the growing
 * buffers with their doubling slack, the concatenated result, the sort's scratch) plus its message. Reduce: the
 * runtime, every in-bracket pair six times over (buffers with slack, the radix sort's scratch), and the partials it
 * holds at once (a binary one decodes to views on its own bytes).
 */
export function planFootprint(plan: ShardDescriptor[]): Footprint {
  const d = plan[0];
  const n = d.simulations;
  const law = returnLaw(d.model, d.simulation);
  const shipped = expectedShipped(d.selection, law, n);
  let largest = 0;
  for (const s of plan) largest = Math.max(largest, s.end - s.start);
  const shardShipped = expectedShipped(d.selection, law, largest);
  const inline = PARTIAL_HEADER + shardShipped * PAIR_TEXT < INLINE_LIMIT;
  const partialBytes = PARTIAL_HEADER + shardShipped * (inline ? PAIR_JSON : PAIR);
  return {
    shipped,
    shardShipped,
    partialBytes,
    inline,
    simulateBytes: RUNTIME_BYTES + SIMULATE_FIXED + shardShipped * 6 * PAIR + partialBytes,
    reduceBytes: RUNTIME_BYTES + shipped * 6 * PAIR + Math.min(IN_FLIGHT, plan.length) * partialBytes,
  };
}
