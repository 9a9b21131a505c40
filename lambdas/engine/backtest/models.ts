// The multi-model backtest on a returns file: the fitted factor model of a window, every model's forecastDay (the
// same function the run handlers use) on each tested day, and the comparison. Pure.
import type { Settings } from '../config.ts';
import { factorModel, fitModel } from '../fit.ts';
import { fittedOf, forecastDay, historyOf, MODEL_NAMES, modelOptions, type ModelName, type ModelOptions } from '../models/index.ts';
import { InputError, type FitResult, type ReturnsData } from '../types.ts';
import { compareModels, type ModelComparison } from './compare.ts';

export interface ModelBacktestInput {
  /** the file's rows from its first day up to the last tested day */
  data: ReturnsData;
  /** the fit the betas come from; its window must lie in `data` before `first` */
  fit: FitResult;
  /** the fit window's rows alone (fit.window.start … fit.window.end), for the residual variance */
  fitData: ReturnsData;
  /** index in `data` of the first tested day */
  first: number;
  models: ModelName[];
  options: ModelOptions;
  levels: number[];
}

export function backtestModels(input: ModelBacktestInput): ModelComparison {
  const { data, fit, first } = input;
  const model = factorModel(fit, input.fitData);
  const history = historyOf(data, model.factors);
  const fitted = fittedOf(model, history, fit.window.start, fit.window.end);
  if (fitted.fitEnd > first) throw new Error(`backtestModels: the fit window ${fit.window.start}..${fit.window.end} is not before the tested days`);
  return compareModels({
    history,
    first,
    fitted,
    options: input.options,
    models: input.models,
    levels: input.levels,
    forecast: (m, h, f, o, l) => forecastDay(m as ModelName, h, f, o, l),
    inSample: { start: fit.window.start, end: fit.window.end, observations: fit.observations },
  });
}

/** fewest days the run-setting backtest leaves before its tested days to fit the betas on */
export const MIN_FIT_DAYS = 60;

export interface RunBacktestSpec {
  days: number;
  models: ModelName[];
}

/**
 * The run setting `backtest: {days, models}`: the last `days` days of the run's window are tested; the betas are fitted
 * (with the run's screening settings) on the window's days before them, so no forecast sees its own day. `data` is the
 * file from its first day to the run's last day (EWMA and FHS read the days before the window too).
 */
export function backtestRunWindow(data: ReturnsData, settings: Settings, spec: RunBacktestSpec, options: ModelOptions): ModelComparison {
  const n = data.dates.length;
  const from = settings.start ? Math.max(0, data.dates.findIndex((d) => d >= settings.start!)) : 0;
  const first = n - spec.days;
  if (first - from < MIN_FIT_DAYS) {
    throw new InputError('settings', 1, 1, `setting "backtest.days": ${spec.days} tested days leave ${Math.max(0, first - from)} days of the window to fit on (at least ${MIN_FIT_DAYS})`);
  }
  const fitData = sliceReturns(data, from, first);
  const fit = fitModel(fitData, { ...settings, start: fitData.dates[0], end: fitData.dates[fitData.dates.length - 1] });
  return backtestModels({ data, fit, fitData, first, models: spec.models, options, levels: settings.confidence });
}

/** The comparison the run setting `backtest` asks for (undefined without it); `history` as for backtestRunWindow. */
export function runBacktestSetting(history: ReturnsData, settings: Settings): ModelComparison | undefined {
  if (!settings.backtest) return undefined;
  return backtestRunWindow(history, settings, { days: settings.backtest.days, models: [...new Set(settings.backtest.models)] }, modelOptions(settings));
}

/** Rows [from, to) of a returns file. */
export function sliceReturns(d: ReturnsData, from: number, to: number): ReturnsData {
  return { ...d, dates: d.dates.slice(from, to), y: d.y.slice(from, to), X: d.X.map((x) => x.slice(from, to)) };
}

/** A comma-separated model list, each name checked; `where` names the flag or setting in the error. */
export function parseModelList(value: string | string[], where: { file: string; key: string }): ModelName[] {
  const names = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length === 0) throw new InputError(where.file, 1, 1, `${where.key}: no model named`);
  for (const n of names) {
    if (!(MODEL_NAMES as readonly string[]).includes(n)) throw new InputError(where.file, 1, 1, `${where.key}: unknown model "${n}"`);
  }
  return [...new Set(names)] as ModelName[];
}
