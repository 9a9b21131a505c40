// The exact tail, one concept per file (this module only re-exports them for its many importers):
// - tail-ranks.ts: which order statistics a run needs (quantile ranks, ES count, CI ranks);
// - sort-pairs.ts (radix-sort-pairs.ts, comparison-sort-pairs.ts): sorting (value, sample index) pairs;
// - band-collector.ts: a shard keeps the samples inside value brackets plus exact counts and sums below them;
// - tail-merger.ts: the reducer merges those partials in any order into exact order statistics and sums;
// - brackets.ts, pair-buffer.ts: the helpers both sides share. Which brackets, and the retry: selection.ts.
export { BandCollector } from './band-collector.ts';
export type { PackedPartial } from './partial-codec.ts';
export { radixSortPairs } from './radix-sort-pairs.ts';
export { sortPairs } from './sort-pairs.ts';
export { TailMerger } from './tail-merger.ts';
export { neededTail, tailProbability, tailRanks } from './tail-ranks.ts';
