// The models' dispatcher: forecastDay(model, history, fitted, options, levels) is a pure function of the data up to
// day t − 1 (the last row of the history) giving day t's VaR and ES. Closed forms and enumerations only (exact); the
// run's multi-day numbers go through the Monte Carlo streams (see runModel).
import type { Settings } from '../config.ts';
import { InputError, type FactorModel, type ReturnsData } from '../types.ts';
import { forecastEwma } from './ewma.ts';
import { forecastEwmaT } from './ewma-t.ts';
import { forecastFhs } from './fhs.ts';
import { forecastGarchT } from './garch-t.ts';
import { forecastHs } from './hs.ts';
import { forecastNormal } from './normal.ts';
import { forecastT } from './student-t.ts';
import { MODEL_NAMES, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelName, type ModelOptions } from './types.ts';

export * from './types.ts';

type Forecaster = (h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]) => DayForecast;

const FORECASTERS: Partial<Record<ModelName, Forecaster>> = {
  normal: forecastNormal,
  t: forecastT,
  ewma: forecastEwma,
  'ewma-t': forecastEwmaT,
  fhs: forecastFhs,
  hs: forecastHs,
  'garch-t': forecastGarchT,
};

/** The models forecastDay implements (MODEL_NAMES minus those not landed yet). */
export function availableModels(): ModelName[] {
  return MODEL_NAMES.filter((m) => FORECASTERS[m] !== undefined);
}

/**
 * Day t's VaR and ES (positive losses, keyed String(level)) from the history up to t − 1. `fitted` holds the fit
 * window's OLS (β, α, s²; fitStart inclusive, fitEnd exclusive, rows of `history`). Bad options (a lookback longer than
 * the history) are InputErrors naming the setting.
 */
export function forecastDay(model: ModelName, history: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const f = FORECASTERS[model];
  if (!f) throw new InputError('settings', 1, 1, `setting "model": "${model}" is not available (one of ${availableModels().join(', ')})`);
  checkHistory(history, fitted);
  return f(history, fitted, options, levels);
}

function checkHistory(h: ModelHistory, fitted: FittedFactorModel): void {
  const n = h.portfolio.length;
  if (h.dates.length !== n || h.factors.length !== h.factorNames.length || h.factors.some((c) => c.length !== n)) {
    throw new Error('model history: dates, portfolio and factor columns differ in length');
  }
  if (fitted.beta.length !== fitted.factors.length) throw new Error('fitted model: beta and factors differ in length');
  if (!(fitted.fitStart >= 0 && fitted.fitStart < fitted.fitEnd && fitted.fitEnd <= n)) {
    throw new Error(`fitted model: fit rows [${fitted.fitStart}, ${fitted.fitEnd}) are not inside the ${n} rows of history`);
  }
}

/** The model history of a read file: its dates, portfolio column and the named factor columns (candidate order kept). */
export function historyOf(data: ReturnsData, factors: string[] = data.candidates): ModelHistory {
  return {
    dates: data.dates,
    portfolio: data.y,
    factors: factors.map((f) => {
      const j = data.candidates.indexOf(f);
      if (j < 0) throw new Error(`factor "${f}" is not a column of ${data.source}`);
      return data.X[j];
    }),
    factorNames: [...factors],
  };
}

/** The first `rows` rows of a history (the data up to day t − 1 when forecasting row `rows`); views, no copies. */
export function historyUpTo(h: ModelHistory, rows: number): ModelHistory {
  return { dates: h.dates.slice(0, rows), portfolio: h.portfolio.subarray(0, rows), factors: h.factors.map((c) => c.subarray(0, rows)), factorNames: h.factorNames };
}

/** The fitted OLS of a FactorModel over the history rows dated start … end (inclusive). */
export function fittedOf(model: Pick<FactorModel, 'factors' | 'beta' | 'alpha' | 'residualVariance'>, h: ModelHistory, start: string, end: string): FittedFactorModel {
  const fitStart = h.dates.findIndex((d) => d >= start);
  let fitEnd = h.dates.length;
  while (fitEnd > 0 && h.dates[fitEnd - 1] > end) fitEnd--;
  if (fitStart < 0 || fitEnd <= fitStart) throw new Error(`no history rows in the fit window ${start}..${end}`);
  return { factors: [...model.factors], beta: [...model.beta], alpha: model.alpha, residualVariance: model.residualVariance, fitStart, fitEnd };
}

/** The model options of a Settings object. */
export function modelOptions(settings: Pick<Settings, 'lambda' | 'lookback' | 'df' | 'residual' | 'intercept'>): ModelOptions {
  const o: ModelOptions = { lambda: settings.lambda, residual: settings.residual, intercept: settings.intercept };
  if (settings.lookback !== undefined) o.lookback = settings.lookback;
  if (settings.df !== undefined) o.df = settings.df;
  return o;
}
