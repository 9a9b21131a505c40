import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { comparisonSortPairs } from '../../lambdas/engine/comparison-sort-pairs.ts';

type Pair = [number, number];
const byKey = (a: Pair, b: Pair) => a[0] - b[0] || a[1] - b[1];

describe('comparisonSortPairs', () => {
  it('sorts by (value, index): equal values come out in ascending index order', () => {
    const v = Float64Array.of(3, 1, 3, 1);
    const ix = Uint32Array.of(7, 8, 2, 5);
    comparisonSortPairs(v, ix, 4);
    expect(Array.from(v)).toEqual([1, 1, 3, 3]);
    expect(Array.from(ix)).toEqual([5, 8, 2, 7]);
  });

  it('leaves everything from n on untouched', () => {
    const v = Float64Array.of(2, 1, 0);
    const ix = Uint32Array.of(0, 1, 2);
    comparisonSortPairs(v, ix, 2);
    expect(Array.from(v)).toEqual([1, 2, 0]);
    expect(Array.from(ix)).toEqual([1, 0, 2]);
  });

  it('equals a full (value, index) sort above and below the insertion-sort cut-off (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -8, max: 8 }), { maxLength: 400 }), fc.nat(), (ints, salt) => {
        const v = Float64Array.from(ints, (i) => i / 8); // many exact ties
        const ix = Uint32Array.from(ints, (_, i) => (i * 7919 + salt) % 1_000_003);
        const expected = Array.from(v, (x, i) => [x, ix[i]] as Pair).sort(byKey);
        comparisonSortPairs(v, ix, v.length);
        expect(Array.from(v)).toEqual(expected.map((p) => p[0]));
        expect(Array.from(ix)).toEqual(expected.map((p) => p[1]));
      }),
      { numRuns: 200, seed: 13 },
    );
  });
});
