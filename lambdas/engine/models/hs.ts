// hs: plain historical simulation. The scenarios are the factor-model portfolio returns βᵀF_s + e_s of the last
// `lookback` days (default 250), equally likely; VaR/ES are their exact percentile and tail mean (no Monte Carlo).
import { scenarioReturns } from '../scenario-sampler.ts';
import { InputError } from '../types.ts';
import { enumerateRisk, factorColumns, residualSeries } from './history.ts';
import { DEFAULT_LOOKBACK, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelOptions } from './types.ts';

/**
 * The scenario days as columns: each factor's returns F_{j,s}, then the residual e_s (β 1), s = the last L rows.
 * Their day return Σ_j β_j F_{j,s} + e_s (scenario-sampler.ts scenarioReturns) is the run's and the backtest's.
 */
export function hsScenarios(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions): Float64Array[] {
  const L = options.lookback ?? DEFAULT_LOOKBACK.hs;
  const n = h.portfolio.length;
  if (L > n) throw new InputError('settings', 1, 1, `setting "lookback": ${L} days is longer than the ${n} days of history before ${nextOf(h)}`);
  return [...factorColumns(h, fitted), residualSeries(h, fitted)].map((c) => c.slice(n - L));
}

export function forecastHs(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  return enumerateRisk(scenarioReturns(hsScenarios(h, fitted, options), [...fitted.beta, 1]), levels);
}

/** "the day after YYYY-MM-DD" for messages. */
export function nextOf(h: ModelHistory): string {
  return h.dates.length > 0 ? `the day after ${h.dates[h.dates.length - 1]}` : 'the first day';
}
