// Acerbi & Szekely's (2014) second Expected Shortfall test. Pure.

/** the level the Basel FRTB backtests ES at */
export const Z2_LEVEL = 0.975;
/**
 * Acerbi & Szekely's fixed thresholds for 250 days at 97.5 %: Z2 ≤ −0.70 rejects at 5 % (yellow), ≤ −1.80 at
 * 0.01 % (red). They found these nearly the same across the distributions they tried, so no simulation is needed.
 */
export const Z2_THRESHOLDS = { yellow: -0.7, red: -1.8 } as const;

export interface Z2Test {
  /** Z2 = Σ_t r_t·I_t / (T·α·ES_t) + 1; 0 under a correct model, negative when ES understates the tail */
  z2: number;
  zone: 'green' | 'yellow' | 'red';
  exceptions: number;
  observations: number;
  level: number;
  thresholds: typeof Z2_THRESHOLDS;
}

/** r_t daily returns; VaR_t and ES_t positive losses at `level`; I_t = 1{r_t < −VaR_t}; α = 1 − level. */
export function z2Test(returns: ArrayLike<number>, varByDay: ArrayLike<number>, esByDay: ArrayLike<number>, level = Z2_LEVEL): Z2Test {
  const T = returns.length;
  const alpha = Math.round((1 - level) * 1e12) / 1e12;
  let sum = 0, exceptions = 0;
  for (let t = 0; t < T; t++) {
    if (returns[t] < -varByDay[t]) {
      sum += returns[t] / esByDay[t];
      exceptions++;
    }
  }
  const z2 = sum / (T * alpha) + 1;
  const zone = z2 <= Z2_THRESHOLDS.red ? 'red' : z2 <= Z2_THRESHOLDS.yellow ? 'yellow' : 'green';
  return { z2, zone, exceptions, observations: T, level, thresholds: Z2_THRESHOLDS };
}
