// fhs: filtered historical simulation (Barone-Adesi et al.). Each factor j and the residual are devolatilized by their
// own EWMA volatility (the diagonal of history.ts ewmaPath), and the whole daily vectors of the last `lookback` days
// (default 500) are re-volatilized to the forecast day's EWMA volatility:
//   X_s = Σ_j β_j (σ_{j,t}/σ_{j,s}) F_{j,s} + (√v_t/√v_s) e_s,   s = t − L … t − 1.
// Keeping whole vectors keeps the factors' joint tail; at one day VaR/ES are the exact enumeration of the L scenarios.
import { InputError } from '../types.ts';
import { enumerateRisk, ewmaPath, factorColumns } from './history.ts';
import { nextOf } from './hs.ts';
import { DEFAULT_LOOKBACK, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelOptions } from './types.ts';

export function fhsScenarios(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions): Float64Array {
  const L = options.lookback ?? DEFAULT_LOOKBACK.fhs;
  const n = h.portfolio.length;
  const path = ewmaPath(h, fitted, options.lambda);
  if (L > n - path.start) {
    throw new InputError('settings', 1, 1, `setting "lookback": ${L} days is longer than the ${Math.max(0, n - path.start)} days of history with an EWMA volatility before ${nextOf(h)}`);
  }
  const F = factorColumns(h, fitted);
  const k = F.length;
  const ratio = F.map((_, j) => Math.sqrt(path.factorVar[j][n]));
  const rv = Math.sqrt(path.residualVar[n]);
  const out = new Float64Array(L);
  for (let i = 0; i < L; i++) {
    const s = n - L + i;
    let x = 0;
    for (let j = 0; j < k; j++) x += fitted.beta[j] * (ratio[j] / Math.sqrt(path.factorVar[j][s])) * F[j][s];
    out[i] = x + (rv / Math.sqrt(path.residualVar[s])) * path.residuals[s];
  }
  return out;
}

export function forecastFhs(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  return enumerateRisk(fhsScenarios(h, fitted, options), levels);
}
