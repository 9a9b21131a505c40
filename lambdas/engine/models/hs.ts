// hs: plain historical simulation. The scenarios are the factor-model portfolio returns βᵀF_s + e_s of the last
// `lookback` days (default 250), equally likely; VaR/ES are their exact percentile and tail mean (no Monte Carlo).
import { InputError } from '../types.ts';
import { enumerateRisk, modelPortfolio } from './history.ts';
import { DEFAULT_LOOKBACK, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelOptions } from './types.ts';

export function hsScenarios(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions): Float64Array {
  const L = options.lookback ?? DEFAULT_LOOKBACK.hs;
  const n = h.portfolio.length;
  if (L > n) throw new InputError('settings', 1, 1, `setting "lookback": ${L} days is longer than the ${n} days of history before ${nextOf(h)}`);
  return modelPortfolio(h, fitted).slice(n - L);
}

export function forecastHs(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  return enumerateRisk(hsScenarios(h, fitted, options), levels);
}

/** "the day after YYYY-MM-DD" for messages. */
export function nextOf(h: ModelHistory): string {
  return h.dates.length > 0 ? `the day after ${h.dates[h.dates.length - 1]}` : 'the first day';
}
