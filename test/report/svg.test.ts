import { describe, expect, it } from 'vitest';
import { niceTicks } from '../../lambdas/report/svg.ts';

describe('niceTicks', () => {
  it('gives round steps over an ordinary range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6000000000000001, 0.8, 1]);
    expect(niceTicks(-0.031, 0.052, 5)).toEqual([-0.02, 0, 0.02, 0.04]);
  });

  it('returns (instead of looping forever) when the step is below the ulp of the values', () => {
    // step 5 at 1e17 (ulp 16): a running sum t += 5 never moves, the old loop grew its array until V8 aborted
    const ticks = niceTicks(1e17, 1e17 + 16, 5);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks.length).toBeLessThanOrEqual(20);
    for (const t of ticks) expect(t).toBeGreaterThanOrEqual(1e17);
  });

  it('returns [min] for an empty or non-finite range', () => {
    expect(niceTicks(2, 2)).toEqual([2]);
    expect(niceTicks(0, Infinity)).toEqual([0]);
  });
});
