// The shard's side of the exact distributed selection (which brackets, and the retry when one missed: selection.ts).
import { checkSelection, edgeHi, edgeLo } from './brackets.ts';
import { ExactAccumulator } from './exact-sum.ts';
import { PairBuffer } from './pair-buffer.ts';
import type { PackedPartial } from './partial-codec.ts';
import type { Selection } from './types.ts';
import { sortPairs } from './sort-pairs.ts';

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
  readonly gapSums: ExactAccumulator[];
  private readonly buffers: PairBuffer[];

  constructor(readonly selection: Selection) {
    checkSelection(selection);
    const b = selection.brackets;
    this.lo = Float64Array.from(b, edgeLo);
    this.hi = Float64Array.from(b, edgeHi);
    this.top = this.hi[b.length - 1];
    this.gapCounts = b.map(() => 0);
    this.gapSums = b.map(() => new ExactAccumulator());
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
