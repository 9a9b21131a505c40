// Tails: which order statistics a run needs, sorting of (value, sample index) pairs, and the exact distributed
// selection: shards keep the samples inside value brackets around the needed ranks plus exact counts and sums below
// them (BandCollector); the reducer merges them in any order into exact order statistics and sums (TailMerger). Which
// brackets, and the retry when one missed: selection.ts.
import { ExactSum } from './exact-sum.ts';
import { encodedSize, packPartial } from './partial-codec.ts';
import type { AttributionSums, Selection, ShardPartial } from './types.ts';

/** A partial with its in-bracket samples in typed arrays (what workers and the binary codec pass around). */
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


/** A growing list of (value, index) pairs. */
class PairBuffer {
  values = new Float64Array(64);
  indices = new Uint32Array(64);
  size = 0;

  push(v: number, i: number): void {
    if (this.size === this.values.length) this.grow(this.size + 1);
    this.values[this.size] = v;
    this.indices[this.size++] = i;
  }

  append(v: Float64Array, ix: Uint32Array): void {
    if (this.size + v.length > this.values.length) this.grow(this.size + v.length);
    this.values.set(v, this.size);
    this.indices.set(ix, this.size);
    this.size += v.length;
  }

  private grow(need: number): void {
    const cap = Math.max(need, 2 * this.values.length);
    const v = new Float64Array(cap);
    v.set(this.values.subarray(0, this.size));
    const ix = new Uint32Array(cap);
    ix.set(this.indices.subarray(0, this.size));
    this.values = v;
    this.indices = ix;
  }
}

const edgeLo = (b: [number | null, number | null]): number => b[0] ?? -Infinity;
const edgeHi = (b: [number | null, number | null]): number => b[1] ?? Infinity;

/** Throws unless the brackets are ascending, disjoint and each lo ≤ hi. */
export function checkSelection(s: Selection): void {
  if (!Number.isInteger(s.pass) || s.pass < 1 || !Array.isArray(s.brackets) || s.brackets.length < 1) throw new Error('selection: bad pass or no brackets');
  let previous = -Infinity;
  s.brackets.forEach((b, j) => {
    const lo = edgeLo(b);
    const hi = edgeHi(b);
    if (!(lo <= hi) || (j > 0 && !(lo > previous))) throw new Error(`selection: bracket ${j} [${lo}, ${hi}] is empty or overlaps the one before`);
    previous = hi;
  });
  const a = s.attributeBelow;
  if (a !== null && !s.brackets.some((b) => b[0] === a)) throw new Error('selection: attributeBelow is not a bracket edge');
}

/**
 * A shard's side of the exact selection: each sample (offered in ascending index order) is either inside a bracket
 * (kept as a (value, index) pair), in the gap below a bracket (counted and summed exactly), or above the last bracket
 * (only counted, implicitly). Memory O(in-bracket samples); one comparison for the samples above every bracket.
 */
export class BandCollector {
  private readonly lo: Float64Array;
  private readonly hi: Float64Array;
  private readonly top: number;
  readonly gapCounts: number[];
  readonly gapSums: ExactSum[];
  private readonly buffers: PairBuffer[];

  constructor(readonly selection: Selection) {
    checkSelection(selection);
    const b = selection.brackets;
    this.lo = Float64Array.from(b, edgeLo);
    this.hi = Float64Array.from(b, edgeHi);
    this.top = this.hi[b.length - 1];
    this.gapCounts = b.map(() => 0);
    this.gapSums = b.map(() => new ExactSum());
    this.buffers = b.map(() => new PairBuffer());
  }

  /** Offers chunk[0..count) as the samples first, first + 1, … */
  offer(chunk: Float64Array, count: number, first: number): void {
    const top = this.top;
    for (let t = 0; t < count; t++) {
      const x = chunk[t];
      if (x <= top) this.place(x, first + t);
    }
  }

  private place(x: number, i: number): void {
    const lo = this.lo;
    for (let j = 0; j < lo.length; j++) {
      if (x < lo[j]) {
        this.gapCounts[j]++;
        this.gapSums[j].add(x);
        return;
      }
      if (x <= this.hi[j]) {
        this.buffers[j].push(x, i);
        return;
      }
    }
  }

  /** The in-bracket pairs, bracket by bracket, each ascending by (value, index); the gaps' counts and exact sums. */
  finish(): Pick<PackedPartial, 'bracketSizes' | 'gapCounts' | 'gapSums' | 'values' | 'indices'> {
    let total = 0;
    for (const b of this.buffers) total += b.size;
    const values = new Float64Array(total);
    const indices = new Uint32Array(total);
    let at = 0;
    for (const b of this.buffers) {
      sortPairs(b.values, b.indices, b.size);
      values.set(b.values.subarray(0, b.size), at);
      indices.set(b.indices.subarray(0, b.size), at);
      at += b.size;
    }
    return {
      bracketSizes: this.buffers.map((b) => b.size),
      gapCounts: this.gapCounts.slice(),
      gapSums: this.gapSums.map((s) => s.partials()),
      values,
      indices,
    };
  }
}

/** The first position whose index is outside [start, end), whose value is outside [lo, hi], or that is not above its predecessor by (value, index); −1 if none. */
function firstBadPair(bv: Float64Array, bi: Uint32Array, from: number, to: number, start: number, end: number, lo: number, hi: number): number {
  for (let j = from; j < to; j++) {
    const i = bi[j];
    if (i < start || i >= end || !(bv[j] >= lo && bv[j] <= hi)) return j;
    if (j > from && (bv[j] < bv[j - 1] || (bv[j] === bv[j - 1] && i <= bi[j - 1]))) return j;
  }
  return -1;
}

/**
 * The reducer's side: merges shard partials of one pass (any arrival order; a re-delivered shard is ignored, overlaps
 * are refused) into the brackets' samples and the gaps' exact counts and sums. Then the r-th smallest of all N samples
 * (by (value, index)) is known exactly whenever r falls inside a bracket, and so is the exact sum of the k smallest.
 * Memory O(in-bracket samples), never O(N).
 */
export class TailMerger {
  covered = 0;
  /** the pass's selection (from the first partial; every other must carry the same) */
  selection: Selection | undefined;
  /** encoded bytes and in-bracket pairs received (what travelled) */
  bytes = 0;
  samplesShipped = 0;
  private selectionJson = '';
  private gapCounts: number[] = [];
  private gapSums: ExactSum[] = [];
  private buffers: PairBuffer[] = [];
  private attribution: { count: number; factors: ExactSum[]; residual: ExactSum } | undefined;
  private histogramSum: Float64Array | undefined;
  private histogramMissing = false;
  private readonly shards: Array<{ shard: number; start: number; end: number; sum: number; sumSquares: number }> = [];
  /** after finalize(): samples below bracket j and their exact sum */
  private below: number[] | undefined;
  private belowSum: ExactSum[] = [];

  constructor(
    readonly simulations: number,
    /** no longer used (shards ship brackets, not tails); accepted so callers of the former API still compile */
    _tailSize?: number,
  ) {
    if (!Number.isSafeInteger(simulations) || simulations < 1) throw new RangeError(`bad simulations ${simulations}`);
  }

  /** True once the partials cover [0, simulations) exactly. */
  get complete(): boolean {
    return this.covered === this.simulations;
  }

  /** The merged shards' ranges (what a retry pass must simulate again). */
  ranges(): Array<{ shard: number; start: number; end: number }> {
    return this.shards.map(({ shard, start, end }) => ({ shard, start, end })).sort((a, b) => a.start - b.start);
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
   * number and range: a retried shard); throws on an overlapping or malformed partial.
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
    const sel = p.selection;
    if (sel === undefined) throw new Error(`shard ${shard}: partial carries no selection`);
    const B = this.adopt(sel, shard);
    const sizes = p.bracketSizes ?? [];
    const gaps = p.gapCounts ?? [];
    const gapSums = p.gapSums ?? [];
    if (sizes.length !== B || gaps.length !== B || gapSums.length !== B) throw new Error(`shard ${shard}: partial does not have ${B} brackets and gaps`);
    const n = p.values.length;
    let inBrackets = 0;
    for (const s of sizes) inBrackets += s;
    let inGaps = 0;
    for (const g of gaps) inGaps += g;
    if (inBrackets !== n || p.indices.length !== n) throw new Error(`shard ${shard}: bracket sizes add up to ${inBrackets}, the partial has ${n} values and ${p.indices.length} indices`);
    if (!gaps.every((g) => Number.isSafeInteger(g) && g >= 0) || inGaps + n > count) throw new Error(`shard ${shard}: gap counts ${inGaps} + ${n} in brackets exceed its ${count} samples`);
    let at = 0;
    sel.brackets.forEach((b, j) => {
      const bad = firstBadPair(p.values, p.indices, at, at + sizes[j], start, end, edgeLo(b), edgeHi(b));
      if (bad >= 0) {
        const i = p.indices[bad];
        if (i < start || i >= end) throw new Error(`shard ${shard}: sample index ${i} outside its range`);
        if (!(p.values[bad] >= edgeLo(b) && p.values[bad] <= edgeHi(b))) throw new Error(`shard ${shard}: value ${p.values[bad]} is outside bracket ${j}`);
        throw new Error(`shard ${shard}: bracket ${j} is not sorted ascending`);
      }
      at += sizes[j];
    });
    const attr = this.checkAttribution(p, shard);
    this.addHistogram(p.histogram, shard, count);
    at = 0;
    sel.brackets.forEach((_, j) => {
      this.gapCounts[j] += gaps[j];
      this.gapSums[j].merge(gapSums[j]);
      this.buffers[j].append(p.values.subarray(at, at + sizes[j]), p.indices.subarray(at, at + sizes[j]));
      at += sizes[j];
    });
    if (attr !== undefined && this.attribution !== undefined) {
      this.attribution.count += attr.count;
      attr.factors.forEach((f, j) => this.attribution!.factors[j].merge(f));
      this.attribution.residual.merge(attr.residual);
    }
    this.shards.push({ shard, start, end, sum: p.sum, sumSquares: p.sumSquares });
    this.covered += count;
    this.bytes += encodedSize(p);
    this.samplesShipped += n;
    this.below = undefined;
    return true;
  }

  /** Takes the first partial's selection; later ones must equal it. Returns the bracket count. */
  private adopt(sel: Selection, shard: number): number {
    const json = JSON.stringify(sel);
    if (this.selection === undefined) {
      checkSelection(sel);
      this.selection = sel;
      this.selectionJson = json;
      const B = sel.brackets.length;
      this.gapCounts = new Array<number>(B).fill(0);
      this.gapSums = Array.from({ length: B }, () => new ExactSum());
      this.buffers = Array.from({ length: B }, () => new PairBuffer());
    } else if (json !== this.selectionJson) throw new Error(`shard ${shard}: ran another selection than the other shards`);
    return sel.brackets.length;
  }

  private checkAttribution(p: PackedPartial, shard: number): AttributionSums | undefined {
    if (this.selection!.attributeBelow === null) return undefined;
    const a = p.attribution;
    if (a === undefined || !Number.isSafeInteger(a.count) || a.count < 0 || a.count > p.count) throw new Error(`shard ${shard}: attribution sums missing or malformed`);
    if (this.attribution === undefined) {
      this.attribution = { count: 0, factors: a.factors.map(() => new ExactSum()), residual: new ExactSum() };
    } else if (this.attribution.factors.length !== a.factors.length) throw new Error(`shard ${shard}: attribution has ${a.factors.length} factors, expected ${this.attribution.factors.length}`);
    return a;
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

  /** Sorts each bracket's samples and counts/sums what lies below each bracket. */
  private finalize(): number[] {
    if (this.below !== undefined) return this.below;
    if (!this.complete) throw new Error(`partials cover ${this.covered} of ${this.simulations} samples`);
    const below: number[] = [];
    this.belowSum = [];
    let count = 0;
    const sum = new ExactSum();
    this.buffers.forEach((b, j) => {
      sortPairs(b.values, b.indices, b.size);
      count += this.gapCounts[j];
      sum.merge(this.gapSums[j]);
      below.push(count);
      this.belowSum.push(ExactSum.from(sum.partials()));
      for (let t = 0; t < b.size; t++) sum.add(b.values[t]);
      count += b.size;
    });
    this.below = below;
    return below;
  }

  /** The bracket holding the r-th smallest sample (0-based), or −1 when r fell into a gap. */
  locate(r: number): number {
    const below = this.finalize();
    for (let j = 0; j < below.length; j++) if (r >= below[j] && r < below[j] + this.buffers[j].size) return j;
    return -1;
  }

  /** The r-th smallest of all samples by (value, index), 0-based; throws if r is not inside a bracket. */
  orderStatistic(r: number): number {
    const j = this.locate(r);
    if (j < 0) throw new Error(`rank ${r} is outside every bracket`);
    return this.buffers[j].values[r - this.below![j]];
  }

  /** The exact sum of the k smallest samples, rounded once; throws unless the k-th smallest is inside a bracket. */
  sumSmallest(k: number): number {
    if (k === 0) return 0;
    const j = this.locate(k - 1);
    if (j < 0) throw new Error(`rank ${k - 1} is outside every bracket`);
    const s = ExactSum.from(this.belowSum[j].partials());
    const v = this.buffers[j].values;
    for (let t = 0; t < k - this.below![j]; t++) s.add(v[t]);
    return s.value();
  }

  /** The bracket whose lower edge is the selection's attributeBelow (level 0's). */
  attributionBracket(): number {
    const a = this.selection?.attributeBelow ?? null;
    return this.selection?.brackets.findIndex((b) => b[0] === a) ?? -1;
  }

  /**
   * For component ES over the k smallest samples: the shards' exact sums below attributeBelow, and the sample indices
   * of the rest (the first k − below in-bracket samples of the attribution bracket), which the caller decomposes.
   */
  attributionOf(k: number, factors: number): { factors: ExactSum[]; residual: ExactSum; indices: Uint32Array } {
    const below = this.finalize();
    const j = this.attributionBracket();
    const from = below[j];
    if (j < 0 || k < from || k > from + this.buffers[j].size) throw new Error(`rank ${k - 1} is outside the attribution bracket`);
    const a = this.attribution;
    if (a !== undefined && (a.count !== from || a.factors.length !== factors)) throw new Error(`attribution sums cover ${a.count} samples of ${a.factors.length} factors, expected ${from} of ${factors}`);
    const copy = (s: ExactSum | undefined) => ExactSum.from(s?.partials() ?? []);
    return {
      factors: Array.from({ length: factors }, (_, f) => copy(a?.factors[f])),
      residual: copy(a?.residual),
      indices: this.buffers[j].indices.slice(0, k - from),
    };
  }
}
