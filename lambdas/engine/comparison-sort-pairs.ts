// The comparison sort of (value, sample index) pairs: quicksort with a median-of-three Hoare partition, insertion sort
// for short runs. The order key is (value, index), so ties are deterministic. sortPairs uses it below the radix cut-off.

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
 * Sorts [0, n) ascending by (value, index): quicksort, insertion sort below 24, recursion on the smaller side.
 *
 * @example
 * const v = Float64Array.of(3, 1, 3);
 * const ix = Uint32Array.of(7, 8, 2);
 * comparisonSortPairs(v, ix, 3); // v = [1, 3, 3], ix = [8, 2, 7]
 */
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
