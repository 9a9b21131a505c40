// Sorting (value, sample index) pairs ascending by (value, index): the radix sort for large inputs, the comparison sort
// for small ones. Both give the same order, so the cut-off changes only the speed.
import { comparisonSortPairs } from './comparison-sort-pairs.ts';
import { radixSortPairs } from './radix-sort-pairs.ts';

const RADIX_MIN = 1024;

/**
 * Sorts [0, n) ascending by (value, index). Large inputs: LSD radix sort on the IEEE bits (see radixSortPairs); small
 * ones: the comparison sort. Values must not be NaN; −0 sorts (and comes back) as +0.
 *
 * @example
 * const v = Float64Array.of(0.2, -0.1, 0.2);
 * const ix = Uint32Array.of(9, 4, 1);
 * sortPairs(v, ix, 3); // v = [-0.1, 0.2, 0.2], ix = [4, 1, 9]
 */
export function sortPairs(v: Float64Array, ix: Uint32Array, n: number): void {
  if (n >= RADIX_MIN) radixSortPairs(v, ix, n);
  else comparisonSortPairs(v, ix, n);
}
