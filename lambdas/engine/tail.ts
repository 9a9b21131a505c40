// Tails: which order statistics a run needs, selection/sorting of (value, sample index) pairs, and the streaming,
// order-independent merge of shard partials into the run's global smallest samples.
import type { ShardPartial } from './types.ts';

/** A partial with its tail in typed arrays (what workers and the binary codec pass around; no number[] copies). */
export interface PackedPartial {
  shard: number;
  start: number;
  end: number;
  count: number;
  sum: number;
  sumSquares: number;
  values: Float64Array;
  indices: Uint32Array;
}

/**
 * q = 1 − c without the binary noise of the subtraction (1 − 0.99 = 0.010000000000000009), so the quantile uses the
 * same q as numpy.percentile(x, 1) and ⌈Nq⌉ is not pushed up by one ulp.
 */
export function tailProbability(confidence: number): number {
  return Number((1 - confidence).toPrecision(12));
}

export interface TailRanks {
  q: number;
  /** 0-based order statistics of numpy's linear interpolation at (N−1)q: x[lower] + frac·(x[upper] − x[lower]) */
  lower: number;
  upper: number;
  frac: number;
  /** ES averages the ⌈Nq⌉ smallest samples */
  esCount: number;
  /** 1-based ranks of the distribution-free 95% CI of the quantile: Nq ∓ 1.96·sqrt(Nq(1−q)), rounded outward */
  ciLower: number;
  ciUpper: number;
}

export function tailRanks(simulations: number, confidence: number): TailRanks {
  const n = simulations;
  const q = tailProbability(confidence);
  const pos = (n - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.min(lower + 1, n - 1);
  const nq = n * q;
  const half = 1.96 * Math.sqrt(nq * (1 - q));
  // the 1e-9 keeps an exact product (10^6 · 0.01) from being rounded up by representation error
  const esCount = Math.min(n, Math.max(1, Math.ceil(nq - 1e-9)));
  const ciLower = Math.min(n, Math.max(1, Math.floor(nq - half)));
  const ciUpper = Math.min(n, Math.max(1, Math.ceil(nq + half)));
  return { q, lower, upper, frac: pos - lower, esCount, ciLower, ciUpper };
}

/** How many of the smallest samples every level needs (+2 for safety), capped at N. */
export function neededTail(simulations: number, confidence: number[]): number {
  let m = 1;
  for (const c of confidence) {
    const r = tailRanks(simulations, c);
    m = Math.max(m, r.upper + 1, r.esCount, r.ciUpper);
  }
  return Math.min(simulations, m + 2);
}

// ---- selection and sorting of (value, index) pairs; the order key is (value, index) so ties are deterministic ----

function swap(v: Float64Array, ix: Uint32Array, a: number, b: number): void {
  const tv = v[a];
  v[a] = v[b];
  v[b] = tv;
  const ti = ix[a];
  ix[a] = ix[b];
  ix[b] = ti;
}

/** Hoare partition of [lo, hi] around the median of three; returns [j, i] with [lo..j] ≤ pivot ≤ [i..hi]. */
function partition(v: Float64Array, ix: Uint32Array, lo: number, hi: number, out: Int32Array): void {
  const mid = (lo + hi) >>> 1;
  if (v[mid] < v[lo] || (v[mid] === v[lo] && ix[mid] < ix[lo])) swap(v, ix, mid, lo);
  if (v[hi] < v[lo] || (v[hi] === v[lo] && ix[hi] < ix[lo])) swap(v, ix, hi, lo);
  if (v[hi] < v[mid] || (v[hi] === v[mid] && ix[hi] < ix[mid])) swap(v, ix, hi, mid);
  const pv = v[mid];
  const pi = ix[mid];
  let i = lo;
  let j = hi;
  while (i <= j) {
    while (v[i] < pv || (v[i] === pv && ix[i] < pi)) i++;
    while (v[j] > pv || (v[j] === pv && ix[j] > pi)) j--;
    if (i <= j) {
      swap(v, ix, i, j);
      i++;
      j--;
    }
  }
  out[0] = j;
  out[1] = i;
}

const scratch = new Int32Array(2);

/** Rearranges [0, n) so that [0, k) holds the k smallest pairs (in no particular order). */
export function selectSmallest(v: Float64Array, ix: Uint32Array, n: number, k: number): void {
  if (k <= 0 || k >= n) return;
  const target = k - 1;
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    partition(v, ix, lo, hi, scratch);
    const j = scratch[0];
    const i = scratch[1];
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return;
  }
}

/** Sorts [0, n) ascending by (value, index): quicksort, insertion sort below 24, recursion on the smaller side. */
export function sortPairs(v: Float64Array, ix: Uint32Array, n: number): void {
  const stack: number[] = [];
  let lo = 0;
  let hi = n - 1;
  for (;;) {
    while (hi - lo >= 24) {
      partition(v, ix, lo, hi, scratch);
      const j = scratch[0];
      const i = scratch[1];
      if (j - lo < hi - i) {
        stack.push(i, hi);
        hi = j;
      } else {
        stack.push(lo, j);
        lo = i;
      }
    }
    for (let a = lo + 1; a <= hi; a++) {
      const tv = v[a];
      const ti = ix[a];
      let b = a - 1;
      while (b >= lo && (v[b] > tv || (v[b] === tv && ix[b] > ti))) {
        v[b + 1] = v[b];
        ix[b + 1] = ix[b];
        b--;
      }
      v[b + 1] = tv;
      ix[b + 1] = ti;
    }
    if (stack.length === 0) return;
    hi = stack.pop()!;
    lo = stack.pop()!;
  }
}

/** Partial as typed arrays (copies number[] tails; typed ones pass through). */
export function packPartial(p: ShardPartial | PackedPartial): PackedPartial {
  if ((p as ShardPartial).ref !== undefined) throw new Error(`partial of shard ${p.shard} is a reference: resolve it first`);
  const values = p.values instanceof Float64Array ? p.values : Float64Array.from(p.values ?? []);
  const indices = p.indices instanceof Uint32Array ? p.indices : Uint32Array.from(p.indices ?? []);
  return { shard: p.shard, start: p.start, end: p.end, count: p.count, sum: p.sum, sumSquares: p.sumSquares, values, indices };
}

/**
 * Streaming, order-independent merge of shard partials into the global `tailSize` smallest samples of a run.
 * Because every key (value, sample index) is unique, the result is the same for any arrival order and any split.
 * Memory: the global tail plus the partial being merged.
 */
export class TailMerger {
  readonly values: Float64Array;
  readonly indices: Uint32Array;
  size = 0;
  covered = 0;
  private readonly shards: Array<{ shard: number; start: number; end: number; sum: number; sumSquares: number }> = [];

  constructor(
    readonly simulations: number,
    readonly tailSize: number,
  ) {
    if (!Number.isSafeInteger(simulations) || simulations < 1) throw new RangeError(`bad simulations ${simulations}`);
    if (!Number.isSafeInteger(tailSize) || tailSize < 1 || tailSize > simulations) throw new RangeError(`bad tailSize ${tailSize}`);
    this.values = new Float64Array(tailSize);
    this.indices = new Uint32Array(tailSize);
  }

  /** True once the partials cover [0, simulations) exactly. */
  get complete(): boolean {
    return this.covered === this.simulations;
  }

  /** Sum and sum of squares over all shards, added in shard-start order (diagnostic only: depends on the split). */
  get sums(): { count: number; sum: number; sumSquares: number } {
    const sorted = [...this.shards].sort((a, b) => a.start - b.start);
    let sum = 0;
    let sumSquares = 0;
    for (const s of sorted) {
      sum += s.sum;
      sumSquares += s.sumSquares;
    }
    return { count: this.covered, sum, sumSquares };
  }

  /**
   * Merges one partial. Returns false (and changes nothing) for a duplicate of a shard already merged (same shard
   * number and range: a retried shard); throws on an overlapping or malformed range.
   */
  add(partial: ShardPartial | PackedPartial): boolean {
    const { shard, start, end, count } = partial;
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.simulations || start >= end) {
      throw new Error(`shard ${shard}: range [${start}, ${end}) is not inside [0, ${this.simulations})`);
    }
    if (count !== end - start) throw new Error(`shard ${shard}: count ${count} does not match range [${start}, ${end})`);
    for (const s of this.shards) {
      if (s.shard === shard && s.start === start && s.end === end) return false;
      if (start < s.end && s.start < end) {
        throw new Error(`shard ${shard} [${start}, ${end}) overlaps shard ${s.shard} [${s.start}, ${s.end})`);
      }
      if (s.shard === shard) throw new Error(`shard ${shard} arrived twice with different ranges`);
    }
    const p = packPartial(partial);
    const expected = Math.min(this.tailSize, count);
    const b = Math.min(p.values.length, expected);
    if (p.values.length < expected || p.indices.length !== p.values.length) {
      throw new Error(`shard ${shard}: tail has ${p.values.length} values, needs ${expected} (with matching indices)`);
    }
    const bv = p.values;
    const bi = p.indices;
    for (let j = 0; j < b; j++) {
      if (bi[j] < start || bi[j] >= end) throw new Error(`shard ${shard}: sample index ${bi[j]} outside its range`);
      if (j > 0 && (bv[j] < bv[j - 1] || (bv[j] === bv[j - 1] && bi[j] <= bi[j - 1]))) {
        throw new Error(`shard ${shard}: tail is not sorted ascending`);
      }
    }
    this.mergeFromBack(bv, bi, b);
    this.shards.push({ shard, start, end, sum: p.sum, sumSquares: p.sumSquares });
    this.covered += count;
    return true;
  }

  /** In-place merge of the sorted b pairs into the sorted global tail, from the back, keeping the smallest tailSize. */
  private mergeFromBack(bv: Float64Array, bi: Uint32Array, b: number): void {
    const av = this.values;
    const ai = this.indices;
    const total = this.size + b;
    const size = Math.min(total, this.tailSize);
    let i = this.size - 1;
    let j = b - 1;
    // drop the largest (total − size) pairs of the union
    for (let drop = total - size; drop > 0; drop--) {
      if (j < 0 || (i >= 0 && (av[i] > bv[j] || (av[i] === bv[j] && ai[i] > bi[j])))) i--;
      else j--;
    }
    let k = i + j + 1;
    while (j >= 0) {
      if (i >= 0 && (av[i] > bv[j] || (av[i] === bv[j] && ai[i] > bi[j]))) {
        av[k] = av[i];
        ai[k] = ai[i];
        i--;
      } else {
        av[k] = bv[j];
        ai[k] = bi[j];
        j--;
      }
      k--;
    }
    this.size = size;
  }

  /** The merged tail, ascending (views, no copy). */
  tail(): { values: Float64Array; indices: Uint32Array } {
    return { values: this.values.subarray(0, this.size), indices: this.indices.subarray(0, this.size) };
  }
}
