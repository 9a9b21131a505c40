import { describe, expect, it } from 'vitest';
import { chiSquareSurvival } from '../../lambdas/engine/chi-square.ts';

describe('chiSquareSurvival', () => {
  it('is exp(−x/2) for k = 2, relatively accurate far out in the tail', () => {
    for (const x of [0.5, 10, 1000]) {
      const want = Math.exp(-x / 2);
      expect(Math.abs(chiSquareSurvival(x, 2) - want) / want).toBeLessThan(1e-12);
    }
  });
  it('is erfc(√(x/2)) for k = 1 (scipy.stats.chi2.sf(200, 1))', () => {
    expect(chiSquareSurvival(200, 1) / 2.0884875837625688e-45).toBeCloseTo(1, 8);
  });
  it('gives 1 at and below 0, and NaN for NaN', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(-1, 3)).toBe(1);
    expect(chiSquareSurvival(Number.NaN, 3)).toBeNaN();
  });
});
