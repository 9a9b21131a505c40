// The LSD radix sort of (value, sample index) pairs on the doubles' IEEE bits, with per-thread scratch buffers.

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
 *
 * @example
 * const v = Float64Array.of(1, -0, -2);
 * const ix = Uint32Array.of(0, 1, 2);
 * radixSortPairs(v, ix, 3); // v = [-2, 0, 1] (+0), ix = [2, 1, 0]
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
