// Which order statistics a run needs: numpy's linear-interpolation ranks of the quantile, the ES count and the ranks
// of the quantile's distribution-free confidence interval, for N samples at one confidence level.

/**
 * q = 1 − c without the binary noise of the subtraction (1 − 0.99 = 0.010000000000000009), so the quantile uses the
 * same q as numpy.percentile(x, 1) and ⌈Nq⌉ is not pushed up by one ulp.
 *
 * @example
 * tailProbability(0.99); // 0.01
 */
export function tailProbability(confidence: number): number {
  return Number((1 - confidence).toPrecision(12));
}

export interface TailRanks {
  q: number;
  /** 0-based order statistics of numpy's linear interpolation at (N−1)q: x[lower] + frac·(x[upper] − x[lower]) */
  lower: number;
  upper: number;
  frac: number;
  /** ES averages the ⌈Nq⌉ smallest samples */
  esCount: number;
  /** 1-based ranks of the distribution-free 95% CI of the quantile: Nq ∓ 1.96·sqrt(Nq(1−q)), rounded outward */
  ciLower: number;
  ciUpper: number;
}

/**
 * The ranks for N samples at one confidence level.
 *
 * @example
 * tailRanks(1000, 0.99); // { q: 0.01, lower: 9, upper: 10, frac: ≈0.99, esCount: 10, ciLower: 3, ciUpper: 17 }
 */
export function tailRanks(simulations: number, confidence: number): TailRanks {
  const n = simulations;
  const q = tailProbability(confidence);
  // numpy's 'linear' method: virtual index (n − 1)·q (not its generic n·q + (1 − q) − 1 form, which differs by an ulp)
  const pos = (n - 1) * q;
  const lower = Math.floor(pos);
  const upper = Math.min(lower + 1, n - 1);
  const nq = n * q;
  const half = 1.96 * Math.sqrt(nq * (1 - q));
  // the 1e-9 keeps an exact product (10^6 · 0.01) from being rounded up by representation error
  const esCount = Math.min(n, Math.max(1, Math.ceil(nq - 1e-9)));
  const ciLower = Math.min(n, Math.max(1, Math.floor(nq - half)));
  const ciUpper = Math.min(n, Math.max(1, Math.ceil(nq + half)));
  return { q, lower, upper, frac: pos - lower, esCount, ciLower, ciUpper };
}

/**
 * How many of the smallest samples every level needs (+2 for safety), capped at N.
 *
 * @example
 * neededTail(1000, [0.99, 0.975]); // 37: level 0.975's CI reaches rank 35
 */
export function neededTail(simulations: number, confidence: number[]): number {
  let m = 1;
  for (const c of confidence) {
    const r = tailRanks(simulations, c);
    m = Math.max(m, r.upper + 1, r.esCount, r.ciUpper);
  }
  return Math.min(simulations, m + 2);
}
