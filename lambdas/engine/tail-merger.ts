// The reducer's side of the exact distributed selection: merges the shards' partials (BandCollector) in any order into
// exact order statistics and sums. Which brackets, and the retry when one missed: selection.ts.
import { checkSelection, edgeHi, edgeLo } from './brackets.ts';
import { ExactSum } from './exact-sum.ts';
import { PairBuffer } from './pair-buffer.ts';
import { encodedSize, type PackedPartial, packPartial } from './partial-codec.ts';
import { sortPairs } from './sort-pairs.ts';
import type { AttributionSums, Selection, ShardPartial } from './types.ts';

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
  /** one band per selection.attributeBelow edge: the merged shards' exact sums of the samples in it */
  private attribution: Array<{ count: number; factors: ExactSum[]; residual: ExactSum }> | undefined;
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
      attr.forEach((band, m) => {
        const to = this.attribution![m];
        to.count += band.count;
        band.factors.forEach((f, j) => to.factors[j].merge(f));
        to.residual.merge(band.residual);
      });
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

  private checkAttribution(p: PackedPartial, shard: number): AttributionSums[] | undefined {
    const edges = this.selection!.attributeBelow.length;
    if (edges === 0) return undefined;
    const a = p.attribution;
    let total = 0;
    if (!Array.isArray(a) || a.length !== edges) throw new Error(`shard ${shard}: attribution sums missing or not ${edges} bands`);
    for (const band of a) {
      if (!Number.isSafeInteger(band.count) || band.count < 0 || !Array.isArray(band.factors)) throw new Error(`shard ${shard}: attribution sums malformed`);
      total += band.count;
    }
    if (total > p.count) throw new Error(`shard ${shard}: attribution counts ${total} samples, the shard has ${p.count}`);
    const k = a[0].factors.length;
    if (a.some((band) => band.factors.length !== k)) throw new Error(`shard ${shard}: attribution bands disagree on the factor count`);
    if (this.attribution === undefined) {
      this.attribution = a.map(() => ({ count: 0, factors: Array.from({ length: k }, () => new ExactSum()), residual: new ExactSum() }));
    } else if (this.attribution[0].factors.length !== k) throw new Error(`shard ${shard}: attribution has ${k} factors, expected ${this.attribution[0].factors.length}`);
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

  /**
   * For component ES over the k smallest samples (k ≥ 1): the shards' exact sums below the highest attribution edge at
   * or below the k-th smallest sample (inside the bracket holding it: its lower edge or a sub-edge; their bands merged),
   * and the sample indices of the rest up to rank k − 1, which the caller decomposes.
   */
  attributionOf(k: number, factors: number): { factors: ExactSum[]; residual: ExactSum; indices: Uint32Array } {
    const below = this.finalize();
    const j = this.locate(k - 1);
    if (j < 0) throw new Error(`rank ${k - 1} is outside every bracket`);
    const values = this.buffers[j].values;
    const cut = values[k - 1 - below[j]];
    const lo = this.selection!.brackets[j][0];
    const edges = this.selection!.attributeBelow;
    // the last edge inside bracket j at or below the cut (−1: the bracket is unbounded below, nothing is attributed)
    let m = -1;
    if (lo !== null) {
      m = edges.indexOf(lo);
      if (m < 0) throw new Error(`bracket ${j}'s lower edge is not an attribution edge`);
      while (m + 1 < edges.length && edges[m + 1] <= cut) m++;
    }
    // samples below edges[m]: all below the bracket and the bracket's own below the edge (values ascending)
    let from = below[j];
    if (m >= 0) while (from - below[j] < this.buffers[j].size && values[from - below[j]] < edges[m]) from++;
    const sums = { count: 0, factors: Array.from({ length: factors }, () => new ExactSum()), residual: new ExactSum() };
    for (let b = 0; b <= m; b++) {
      const band = this.attribution?.[b];
      if (band === undefined) break;
      if (band.factors.length !== factors) throw new Error(`attribution sums have ${band.factors.length} factors, expected ${factors}`);
      sums.count += band.count;
      band.factors.forEach((f, i) => sums.factors[i].merge(f));
      sums.residual.merge(band.residual);
    }
    if (sums.count !== from) throw new Error(`attribution sums cover ${sums.count} samples, expected ${from}`);
    return { factors: sums.factors, residual: sums.residual, indices: this.buffers[j].indices.slice(from - below[j], k - below[j]) };
  }
}
