// fhs: filtered historical simulation (Barone-Adesi et al.). Each factor j and the residual are devolatilized by their
// own EWMA volatility (the diagonal of history.ts ewmaPath), and the whole daily vectors of the last `lookback` days
// (default 500) are re-volatilized to the forecast day's EWMA volatility:
//   X_s = Σ_j β_j (σ_{j,t}/σ_{j,s}) F_{j,s} + (√v_t/√v_s) e_s,   s = t − L … t − 1.
// Keeping whole vectors keeps the factors' joint tail; at one day VaR/ES are the exact enumeration of the L scenarios.
import { scenarioReturns } from '../scenario-sampler.ts';
import { InputError } from '../types.ts';
import { enumerateRisk, ewmaPath, factorColumns } from './history.ts';
import { nextOf } from './hs.ts';
import { DEFAULT_LOOKBACK, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelOptions } from './types.ts';

/**
 * The re-volatilized scenario days as columns: (σ_{j,t}/σ_{j,s})·F_{j,s} per factor, then (√v_t/√v_s)·e_s (β 1).
 * Their day return (scenario-sampler.ts scenarioReturns) is X_s above, for the run and the backtest alike.
 */
export function fhsScenarios(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions): Float64Array[] {
  const L = options.lookback ?? DEFAULT_LOOKBACK.fhs;
  const n = h.portfolio.length;
  const path = ewmaPath(h, fitted, options.lambda);
  if (L > n - path.start) {
    throw new InputError('settings', 1, 1, `setting "lookback": ${L} days is longer than the ${Math.max(0, n - path.start)} days of history with an EWMA volatility before ${nextOf(h)}`);
  }
  const F = factorColumns(h, fitted);
  const revolatilize = (x: Float64Array, variance: Float64Array): Float64Array => {
    const now = Math.sqrt(variance[n]);
    const out = new Float64Array(L);
    for (let i = 0; i < L; i++) out[i] = (now / Math.sqrt(variance[n - L + i])) * x[n - L + i];
    return out;
  };
  return [...F.map((f, j) => revolatilize(f, path.factorVar[j])), revolatilize(path.residuals, path.residualVar)];
}

export function forecastFhs(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  return enumerateRisk(scenarioReturns(fhsScenarios(h, fitted, options), [...fitted.beta, 1]), levels);
}
