// The χ² upper tail, shared by the regression diagnostics (Jarque–Bera, Breusch–Pagan) and the backtests.
import gammainc from '@stdlib/math-base-special-gammainc';

/**
 * P(χ²_k > x) = Q(k/2, x/2), the regularized upper incomplete gamma: accurate far into the tail, where 1 − cdf
 * would round to 0. NaN stays NaN; x ≤ 0 gives 1.
 *
 * @example chiSquareSurvival(2, 2) // e^−1 = 0.36787944117144233
 */
export function chiSquareSurvival(x: number, k: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  return gammainc(x / 2, k / 2, true, true);
}
