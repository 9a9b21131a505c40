// ewma: RiskMetrics. Zero mean; the factor covariance Σ_t = λΣ_{t−1} + (1 − λ)F_{t−1}F_{t−1}ᵀ and the residual variance
// v_t = λv_{t−1} + (1 − λ)e²_{t−1} over the file's whole history (seed: history.ts ewmaPath); betas from the fit window.
// The day's return is N(0, βᵀΣ_tβ + v_t).
import { ewmaPath, normalRisk } from './history.ts';
import type { DayForecast, FittedFactorModel, ModelHistory, ModelOptions } from './types.ts';

export function forecastEwma(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const path = ewmaPath(h, fitted, options.lambda);
  return normalRisk(0, Math.sqrt(path.portfolioVar[h.portfolio.length]), levels);
}
