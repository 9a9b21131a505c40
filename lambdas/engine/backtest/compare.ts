// Several risk models backtested on the same out-of-sample days: each day's VaR/ES comes from the model's forecast
// function given the history up to the day before, then every model gets the same statistics, its Basel capital and
// a place in the ranking. Pure: the forecast function is passed in (the one the run handlers use).
import { backtest, type BacktestResult, type BacktestWindow, type LevelBacktest, type VarInterval } from '../backtest.ts';
import { historyUpTo, type DayForecast, type FittedFactorModel, type ModelHistory, type ModelOptions } from '../models/index.ts';
import { capital, rankModels, type RankingEntry } from './capital.ts';
import { z2Test, Z2_LEVEL, type Z2Test } from './z2.ts';

/** the level capital and the traffic light of the ranking are taken at */
export const CAPITAL_LEVEL = 0.99;

export type Forecaster = (model: string, history: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]) => DayForecast;

export interface SeriesDay {
  date: string;
  /** positive losses keyed String(level) */
  var: Record<string, number>;
  es: Record<string, number>;
  return: number;
}

/** A model's statistics at one level; `exceptionsWithinCi` only when its forecasts were Monte Carlo (not exact). */
export type ModelLevelBacktest = LevelBacktest;

export interface ModelBacktest extends BacktestResult {
  levels: Record<string, ModelLevelBacktest>;
  /** true when every day's forecast was a closed form or an enumeration (no simulation noise) */
  exact: boolean;
  /** Acerbi–Szekely Z2 at 97.5 % */
  es: { z2: Z2Test };
  series: SeriesDay[];
  /** mean 99 % VaR over the tested days */
  meanVar: number;
  plusFactor: number;
  multiplier: number;
  /** (3 + plus factor) × meanVar */
  capital: number;
}

export interface ModelComparison {
  models: Record<string, ModelBacktest>;
  /** eligible models (green at 99 %; Kupiec, DQ p > 0.05; no clustering by the duration test) by capital, then the others */
  ranking: RankingEntry[];
  /** the first entry of the ranking when it is eligible, else null */
  recommended: string | null;
  inSample?: BacktestWindow;
  outOfSample: BacktestWindow;
}

export interface ComparisonInput {
  /** the whole history up to the last tested day; rows [first, length) are tested */
  history: ModelHistory;
  first: number;
  fitted: FittedFactorModel;
  options: ModelOptions;
  models: string[];
  /** the statistics' levels; 0.99 and 0.975 are always added (capital and Z2 need them) */
  levels: number[];
  forecast: Forecaster;
  inSample?: BacktestWindow;
}

/** Levels in the order asked, with 0.99 and 0.975 appended when missing. */
export function comparisonLevels(levels: number[]): number[] {
  const out = [...levels];
  for (const c of [CAPITAL_LEVEL, Z2_LEVEL]) if (!out.includes(c)) out.push(c);
  return out;
}

export function compareModels(input: ComparisonInput): ModelComparison {
  const { history, first, fitted, options, forecast } = input;
  const n = history.portfolio.length;
  if (!(first > 0 && first < n)) throw new Error(`compareModels: first tested row ${first} is not inside the ${n} rows of history`);
  const levels = comparisonLevels(input.levels);
  const keys = levels.map(String);
  const dates = history.dates.slice(first);
  const returns = history.portfolio.slice(first);
  const models: Record<string, ModelBacktest> = {};
  for (const model of input.models) {
    const varByDay: Record<string, Float64Array> = Object.fromEntries(keys.map((k) => [k, new Float64Array(dates.length)]));
    const esByDay: Record<string, Float64Array> = Object.fromEntries(keys.map((k) => [k, new Float64Array(dates.length)]));
    const ci: Record<string, VarInterval[]> = Object.fromEntries(keys.map((k) => [k, []]));
    const series: SeriesDay[] = [];
    let exact = true;
    for (let i = 0; i < dates.length; i++) {
      // rows [0, first + i): what is known the evening before the tested day
      const f = forecast(model, historyUpTo(history, first + i), fitted, options, levels);
      exact &&= f.exact;
      for (const k of keys) {
        if (!(Number.isFinite(f.var[k]) && Number.isFinite(f.es[k]))) throw new Error(`model ${model}: no finite VaR/ES at level ${k} for ${dates[i]}`);
        varByDay[k][i] = f.var[k];
        esByDay[k][i] = f.es[k];
        ci[k][i] = f.varCi?.[k];
      }
      series.push({ date: dates[i], var: pick(f.var, keys), es: pick(f.es, keys), return: returns[i] });
    }
    // exact forecasts (closed forms, enumerations) have no simulation noise: no interval flag
    const result = backtest({ dates, values: returns }, varByDay, levels, { inSample: input.inSample, varCi: exact ? undefined : ci });
    const var99 = varByDay[String(CAPITAL_LEVEL)];
    const meanVar = var99.reduce((s, v) => s + v, 0) / var99.length;
    const cap = capital(result.levels[String(CAPITAL_LEVEL)].trafficLight, meanVar);
    const z2 = z2Test(returns, varByDay[String(Z2_LEVEL)], esByDay[String(Z2_LEVEL)], Z2_LEVEL);
    models[model] = { ...result, exact, es: { z2 }, series, meanVar, ...cap };
  }
  const ranking = rankModels(
    Object.entries(models).map(([model, m]) => {
      const l = m.levels[String(CAPITAL_LEVEL)];
      return { model, capital: m.capital, zone: l.trafficLight.zone, kupiecPValue: l.kupiec.pValue, dqPValue: l.dq?.pValue ?? null, duration: l.duration ? { pValue: l.duration.pValue, shape: l.duration.shape } : null };
    }),
  );
  const out: ModelComparison = {
    models,
    ranking,
    recommended: ranking[0]?.eligible ? ranking[0].model : null,
    outOfSample: { start: dates[0], end: dates[dates.length - 1], observations: dates.length },
  };
  if (input.inSample) out.inSample = input.inSample;
  return out;
}

function pick(x: Record<string, number>, keys: string[]): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, x[k]]));
}
