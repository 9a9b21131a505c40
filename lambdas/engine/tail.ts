// Tails: which order statistics a run needs, selection/sorting of (value, sample index) pairs, and the streaming,
// order-independent merge of shard partials into the run's global smallest samples.
import type { ShardPartial } from './types.ts';

/** A partial with its tail in typed arrays (what workers and the binary codec pass around; no number[] copies). */
export interface PackedPartial extends Omit<ShardPartial, 'values' | 'indices' | 'ref'> {
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
  // numpy's 'linear' method: virtual index (n − 1)·q (not its generic n·q + (1 − q) − 1 form, which differs by an ulp)
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

/**
 * Sorts [0, n) ascending by (value, index). Large inputs: LSD radix sort on the IEEE bits (see radixSortPairs); small
 * ones: the comparison sort. Values must not be NaN; −0 sorts (and comes back) as +0.
 */
export function sortPairs(v: Float64Array, ix: Uint32Array, n: number): void {
  if (n >= RADIX_MIN) radixSortPairs(v, ix, n);
  else comparisonSortPairs(v, ix, n);
}

const RADIX_MIN = 1024;
const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;
const DIGIT_MASK = BUCKETS - 1;
/** per-thread scratch, grown on demand (a worker sorts shard after shard: no allocation churn) */
let scratchKeys = new Uint32Array(0);
let scratchIdx = new Uint32Array(0);
const counts = new Uint32Array(4 * BUCKETS);

/**
 * LSD radix sort of (value, index) pairs: each double becomes a 64-bit unsigned key whose order is the numeric order
 * (negative: flip every bit; positive: flip the sign bit; −0 is first made +0 so it ties with +0), stored in place of
 * the value as (lo, hi) 32-bit words; four stable 16-bit passes (a pass whose digit is the same for every key is
 * skipped) carry the indices along; then the keys turn back into doubles. Stability keeps equal values in their input
 * order, which is not the index order after a quickselect, so equal-value runs get their indices sorted at the end
 * (runs of equal doubles are rare and short in a simulation).
 */
export function radixSortPairs(v: Float64Array, ix: Uint32Array, n: number): void {
  if (n < 2) {
    // the contract (−0 comes back as +0) holds for every n, not only where the key transform runs
    if (n === 1 && v[0] === 0) v[0] = 0;
    return;
  }
  if (scratchIdx.length < n) {
    scratchKeys = new Uint32Array(2 * n);
    scratchIdx = new Uint32Array(n);
  }
  let keys: Uint32Array = new Uint32Array(v.buffer, v.byteOffset, 2 * n);
  let idx: Uint32Array = ix;
  let otherKeys: Uint32Array = scratchKeys;
  let otherIdx: Uint32Array = scratchIdx;
  counts.fill(0);
  for (let j = 0; j < n; j++) {
    let lo = keys[2 * j];
    let hi = keys[2 * j + 1];
    if (hi === 0x80000000 && lo === 0) hi = 0;
    if ((hi & 0x80000000) !== 0) {
      hi = ~hi;
      lo = ~lo;
    } else hi ^= 0x80000000;
    keys[2 * j] = lo;
    keys[2 * j + 1] = hi;
    counts[lo & DIGIT_MASK]++;
    counts[BUCKETS + (lo >>> DIGIT_BITS)]++;
    counts[2 * BUCKETS + (hi & DIGIT_MASK)]++;
    counts[3 * BUCKETS + (hi >>> DIGIT_BITS)]++;
  }
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * BUCKETS;
    // skip a pass whose digit is constant: the order would not change
    let skip = false;
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[base + b];
      if (c === n) {
        skip = true;
        break;
      }
      counts[base + b] = sum;
      sum += c;
    }
    if (skip) continue;
    const word = pass >>> 1;
    const shift = (pass & 1) * DIGIT_BITS;
    for (let j = 0; j < n; j++) {
      const lo = keys[2 * j];
      const hi = keys[2 * j + 1];
      const digit = ((word === 0 ? lo : hi) >>> shift) & DIGIT_MASK;
      const to = counts[base + digit]++;
      otherKeys[2 * to] = lo;
      otherKeys[2 * to + 1] = hi;
      otherIdx[to] = idx[j];
    }
    const tk = keys;
    keys = otherKeys;
    otherKeys = tk;
    const ti = idx;
    idx = otherIdx;
    otherIdx = ti;
  }
  if (idx !== ix) {
    // an odd number of passes ran: the result is in the scratch arrays
    otherKeys.set(keys.subarray(0, 2 * n));
    ix.set(idx.subarray(0, n));
    keys = otherKeys;
  }
  for (let j = 0; j < n; j++) {
    let lo = keys[2 * j];
    let hi = keys[2 * j + 1];
    if ((hi & 0x80000000) !== 0) hi ^= 0x80000000;
    else {
      hi = ~hi;
      lo = ~lo;
    }
    keys[2 * j] = lo;
    keys[2 * j + 1] = hi;
  }
  // ties: equal values must be in ascending index order
  for (let j = 1; j < n; j++) {
    if (v[j] === v[j - 1] && ix[j] < ix[j - 1]) {
      let e = j + 1;
      while (e < n && v[e] === v[j]) e++;
      let s = j - 1;
      while (s > 0 && v[s - 1] === v[j]) s--;
      ix.subarray(s, e).sort();
      j = e - 1;
    }
  }
}

/** Sorts [0, n) ascending by (value, index): quicksort, insertion sort below 24, recursion on the smaller side. */
export function comparisonSortPairs(v: Float64Array, ix: Uint32Array, n: number): void {
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

/**
 * A shard's streaming tail: keeps every offered (value, index) pair that can still be among the `m` smallest, in a
 * buffer of `cap` pairs below a running threshold. Indices must be offered in ascending order (so a value equal to
 * the threshold is never needed: the kept pairs with that value have smaller indices).
 *
 * Compaction policy when the buffer is full: estimate the value at rank m + margin from an evenly spaced sample of the
 * buffer (the buffer's values are in sample order, i.e. iid), count the pairs below it, and if between m and the
 * buffer's midpoint, drop the rest in one stable pass (cheaper than a quickselect, and the buffer stays in index
 * order); otherwise fall back to an exact quickselect to m. Either way every dropped pair has m kept pairs below it.
 */
export class TailCollector {
  readonly values: Float64Array;
  readonly indices: Uint32Array;
  size = 0;
  threshold = Infinity;
  readonly cap: number;
  private readonly sample = new Float64Array(COLLECT_SAMPLE);
  /** samples offered so far */
  offered = 0;
  /** true once the threshold was set below the m-th smallest seen (see speculate) */
  speculative = false;
  private readonly total: number;
  private readonly sigmas: number;

  constructor(
    readonly m: number,
    capacity: number,
    scratch?: { values: Float64Array; indices: Uint32Array },
    /**
     * speculation: `total` samples will be offered; after the first SPECULATE_AFTER the threshold drops to the
     * estimated final cut (+ `sigmas` binomial standard errors). Omit to keep the collector exact at every step.
     */
    speculation?: { total: number; sigmas?: number },
  ) {
    if (!(m >= 1) || capacity < m) throw new RangeError(`bad tail collector m = ${m}, capacity = ${capacity}`);
    // one slot over m, so that a compaction of a full buffer always frees space
    this.cap = Math.max(capacity, m + 1);
    capacity = this.cap;
    this.total = speculation?.total ?? 0;
    this.sigmas = speculation?.sigmas ?? 6;
    const reuse = scratch !== undefined && scratch.values.length >= capacity && scratch.indices.length >= capacity;
    this.values = reuse ? scratch.values : new Float64Array(capacity);
    this.indices = reuse ? scratch.indices : new Uint32Array(capacity);
  }

  /** Offers chunk[0..count) as the samples first, first + 1, … */
  offer(chunk: Float64Array, count: number, first: number): void {
    if (this.offered >= SPECULATE_AFTER && !this.speculative && this.total >= 4 * SPECULATE_AFTER) this.speculate();
    this.offered += count;
    // the hot loop lives in absorb(); the rare full-buffer path stays out of it (no deoptimization when it first runs)
    let t = absorb(this, chunk, count, first, 0);
    while (t < count) {
      this.compact();
      t = absorb(this, chunk, count, first, t);
    }
  }

  /**
   * Speculation (a shard's samples are iid): with p = m/total the final cut is near the p-quantile, so keep only the
   * r = ⌈(p + sigmas·sqrt(p(1−p)/seen) + 1/seen)·seen⌉ smallest pairs seen so far and make the r-th the threshold.
   * Then about (p + a few standard errors)·total pairs are ever inserted and the buffer never compacts, against
   * ~m·(1 + ln(total/m)) insertions and a compaction every time the buffer fills. Kept pairs are still exactly
   * those below the threshold by (value, index), so if at least m are kept at the end, the m smallest are among them;
   * otherwise finish() reports failure and the caller reruns exactly (probability ~1e−9 at 6 sigmas).
   */
  private speculate(): void {
    this.speculative = true;
    const seen = this.offered;
    const p = this.m / this.total;
    const r = Math.ceil((p + this.sigmas * Math.sqrt((p * (1 - p)) / seen) + 1 / seen) * seen);
    if (r >= this.size || r < 1) return; // nothing to gain (the buffer already holds fewer)
    selectSmallest(this.values, this.indices, this.size, r);
    this.size = r;
    let mx = -Infinity;
    for (let j = 0; j < r; j++) if (this.values[j] > mx) mx = this.values[j];
    this.threshold = mx;
  }

  /** Shrinks the buffer (see the class comment); afterwards size ≥ m and every pair below threshold is kept. */
  compact(): void {
    const size = this.size;
    const m = this.m;
    if (size <= m) return;
    const vals = this.values;
    if (size >= COLLECT_ESTIMATE_MIN) {
      const s = this.sample;
      const ns = s.length;
      for (let q = 0; q < ns; q++) s[q] = vals[Math.floor(((q + 0.5) * size) / ns)];
      s.sort();
      // rank m + 4 binomial standard errors of the sample's quantile (failure ≈ 3e-5, then exact selection)
      const p = m / size;
      const margin = 4 * Math.sqrt((p * (1 - p)) / ns) + 1 / ns;
      const t = s[Math.min(ns - 1, Math.ceil((p + margin) * ns))];
      // both passes branch-free: about a third of the pairs go, so a branch would mispredict every third pair
      const below = countBelow(vals, size, t);
      if (below >= m && below <= m + ((size - m) >>> 1)) {
        this.size = keepBelow(vals, this.indices, size, t);
        this.threshold = t;
        return;
      }
    }
    selectSmallest(vals, this.indices, size, m);
    this.size = m;
    let mx = -Infinity;
    for (let j = 0; j < m; j++) if (vals[j] > mx) mx = vals[j];
    this.threshold = mx;
  }

  /**
   * The m smallest ascending by (value, index) (fewer if fewer were offered): views on the buffers. Undefined when a
   * speculation kept fewer than m pairs of more than m offered: the caller must offer everything again to an exact
   * collector.
   */
  finish(): { values: Float64Array; indices: Uint32Array } | undefined {
    if (this.speculative && this.size < this.m && this.offered > this.size) return undefined;
    // a buffer a little over m sorts faster whole than selected first
    if (this.size > this.m + (this.m >>> 2)) this.compact();
    // a shard that keeps all its samples is one of many small shards of a run whose tail is large, where memory is
    // what binds (the local pool's N = 10^8 run): sort in place, without the radix sort's 12 bytes per pair of scratch
    if (this.total > 0 && this.m >= this.total) comparisonSortPairs(this.values, this.indices, this.size);
    else sortPairs(this.values, this.indices, this.size);
    const n = Math.min(this.size, this.m);
    return { values: this.values.subarray(0, n), indices: this.indices.subarray(0, n) };
  }
}

/**
 * Appends chunk[t..) below the threshold until the buffer is full; returns where it stopped (count when done, else the
 * position of a candidate that found the buffer full).
 */
function absorb(c: TailCollector, chunk: Float64Array, count: number, first: number, t: number): number {
  const vals = c.values;
  const idx = c.indices;
  const cap = c.cap;
  const threshold = c.threshold;
  let size = c.size;
  for (; t < count; t++) {
    const r = chunk[t];
    if (r < threshold) {
      if (size === cap) break;
      vals[size] = r;
      idx[size] = first + t;
      size++;
    }
  }
  c.size = size;
  return t;
}

function countBelow(vals: Float64Array, size: number, t: number): number {
  let below = 0;
  for (let j = 0; j < size; j++) below += vals[j] < t ? 1 : 0;
  return below;
}

/** Stable in-place filter of the pairs with value < t; returns how many. */
function keepBelow(vals: Float64Array, idx: Uint32Array, size: number, t: number): number {
  let w = 0;
  for (let j = 0; j < size; j++) {
    const v = vals[j];
    vals[w] = v;
    idx[w] = idx[j];
    w += v < t ? 1 : 0;
  }
  return w;
}

const COLLECT_SAMPLE = 4096;
/** samples seen before a speculating collector estimates its final cut (and shards must be ≥ 4× this to speculate) */
const SPECULATE_AFTER = 1 << 20;
const COLLECT_ESTIMATE_MIN = 65536;

/** Partial as typed arrays (copies number[] tails; typed ones pass through). */
export function packPartial(p: ShardPartial | PackedPartial): PackedPartial {
  if ((p as ShardPartial).ref !== undefined) throw new Error(`partial of shard ${p.shard} is a reference: resolve it first`);
  const values = p.values instanceof Float64Array ? p.values : Float64Array.from(p.values ?? []);
  const indices = p.indices instanceof Uint32Array ? p.indices : Uint32Array.from(p.indices ?? []);
  const out: PackedPartial = { shard: p.shard, start: p.start, end: p.end, count: p.count, sum: p.sum, sumSquares: p.sumSquares, values, indices };
  if (p.histogram !== undefined) out.histogram = p.histogram;
  return out;
}

/** The first position whose index is outside [start, end) or that is not above its predecessor by (value, index); −1 if none. */
function firstBadPair(bv: Float64Array, bi: Uint32Array, b: number, start: number, end: number): number {
  for (let j = 0; j < b; j++) {
    const i = bi[j];
    if (i < start || i >= end) return j;
    if (j > 0 && (bv[j] < bv[j - 1] || (bv[j] === bv[j - 1] && i <= bi[j - 1]))) return j;
  }
  return -1;
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
  /** summed histogram counts; undefined until a partial brings one, dropped if any partial lacks one */
  private histogramSum: Float64Array | undefined;
  private histogramMissing = false;
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
    const bad = firstBadPair(bv, bi, b, start, end);
    if (bad >= 0) {
      if (bi[bad] < start || bi[bad] >= end) throw new Error(`shard ${shard}: sample index ${bi[bad]} outside its range`);
      throw new Error(`shard ${shard}: tail is not sorted ascending`);
    }
    this.addHistogram(p.histogram, shard, count);
    this.mergeFromBack(bv, bi, b);
    this.shards.push({ shard, start, end, sum: p.sum, sumSquares: p.sumSquares });
    this.covered += count;
    return true;
  }

  private addHistogram(h: number[] | undefined, shard: number, count: number): void {
    if (h === undefined) {
      this.histogramMissing = true;
      return;
    }
    let total = 0;
    for (const c of h) total += c;
    if (total !== count) throw new Error(`shard ${shard}: histogram counts ${total} samples, the shard has ${count}`);
    if (this.histogramSum === undefined) this.histogramSum = new Float64Array(h.length);
    else if (this.histogramSum.length !== h.length) throw new Error(`shard ${shard}: histogram has ${h.length} bins, expected ${this.histogramSum.length}`);
    // integer counts < 2^53: the sum is exact, hence independent of the order and the split
    for (let i = 0; i < h.length; i++) this.histogramSum[i] += h[i];
  }

  /** The summed histogram counts when every merged partial carried one, else undefined. */
  histogramCounts(): number[] | undefined {
    if (this.histogramMissing || this.histogramSum === undefined) return undefined;
    return Array.from(this.histogramSum);
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
