// `varstream backtest CSV --in-sample A:B --out-of-sample C:D --models normal,ewma,…`: every model's daily forecast on
// the out-of-sample days from the data up to the day before, with betas from the in-sample fit; the statistics,
// Basel capital and the ranking (lambdas/engine/backtest/compare.ts).
import type { LevelBacktest } from '../../lambdas/engine/backtest.ts';
import type { ModelComparison } from '../../lambdas/engine/backtest/compare.ts';
import { backtestModels, parseModelList } from '../../lambdas/engine/backtest/models.ts';
import { fitModel } from '../../lambdas/engine/fit.ts';
import { DEFAULT_LAMBDA } from '../../lambdas/engine/models/index.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import { windowFlags, type BacktestOptions } from './backtest.ts';
import { COMMAND_LINE, loadReturns, modelFlags, numberFlag, settingsFromOptions, withSettingsSource } from './common.ts';
import { pct as percent, pval, table } from './text.ts';

export interface CompareOptions extends BacktestOptions {
  models: string;
  lambda?: string;
  lookback?: string;
}

export interface ComparisonRun {
  comparison: ModelComparison;
  /** wall time of the fit and the forecasts, ms */
  elapsed: number;
}

export async function runComparison(csv: string, opts: CompareOptions): Promise<ComparisonRun> {
  if (opts.window !== undefined || opts.step !== undefined) throw new InputError(COMMAND_LINE, 1, 1, '--models: every model forecasts daily; --window/--step apply to the single-model backtest');
  const models = parseModelList(opts.models, { file: COMMAND_LINE, key: '--models' });
  const { inSample, outOfSample } = windowFlags(opts);
  const base = settingsFromOptions(opts, modelFlags(opts));
  const lambda = opts.lambda === undefined ? DEFAULT_LAMBDA : numberFlag(opts.lambda, '--lambda');
  if (!(lambda > 0 && lambda < 1)) throw new InputError(COMMAND_LINE, 1, 1, `--lambda: expected a decay in (0, 1), got ${opts.lambda}`);
  const lookback = opts.lookback === undefined ? undefined : numberFlag(opts.lookback, '--lookback');
  if (lookback !== undefined && !(Number.isInteger(lookback) && lookback >= 20)) throw new InputError(COMMAND_LINE, 1, 1, `--lookback: expected an integer ≥ 20 days, got ${opts.lookback}`);

  const started = Date.now();
  const fitData = await loadReturns(csv, { ...base, ...inSample });
  const fit = fitModel(fitData, { ...base, ...inSample });
  const data = await loadReturns(csv, { ...base, start: undefined, end: outOfSample.end });
  const first = data.dates.findIndex((d) => d >= outOfSample.start);
  if (first < 0) throw new InputError(csv, 1, 1, `no day in the out-of-sample window ${outOfSample.start}..${outOfSample.end}`);
  // a --lookback longer than the history is refused by the engine once it has the data: name the flag's source
  const comparison = await withSettingsSource(COMMAND_LINE, async () => backtestModels({
    data,
    fit,
    fitData,
    first,
    models,
    options: { lambda, lookback, df: base.df, residual: base.residual, intercept: base.intercept },
    levels: base.confidence,
  }));
  return { comparison, elapsed: Date.now() - started };
}

const pct = (x: number) => percent(x, 2);

/** One row per model: exceptions at 99 / 97.5 %, zone, the tests' p-values, Z2, mean VaR99 and capital. */
export function comparisonTable(c: ModelComparison): string[] {
  const header = ['model', 'exc. 99%', 'exc. 97.5%', 'zone 99%', 'Kupiec p', 'CC p', 'DQ p', 'duration p', 'Z2 97.5%', 'mean VaR99', 'capital', 'eligible'];
  const order = c.ranking.map((r) => r.model);
  const rows = order.map((model) => {
    const m = c.models[model];
    const l = m.levels['0.99'];
    const r = c.ranking.find((x) => x.model === model)!;
    return [
      model,
      `${l.exceptions}/${l.observations}`,
      String(m.levels['0.975'].exceptions),
      `${l.trafficLight.zone} (${l.trafficLight.exceptions})`,
      pval(l.kupiec.pValue),
      pval(l.conditionalCoverage.pValue),
      l.dq ? pval(l.dq.pValue) : '-',
      l.duration ? pval(l.duration.pValue) : '-',
      `${m.es.z2.z2.toFixed(2)} ${m.es.z2.zone}`,
      pct(m.meanVar),
      pct(m.capital),
      r.eligible ? 'yes' : `no: ${r.failures.join(', ')}`,
    ];
  });
  return table(header, rows);
}

export function formatComparison({ comparison: c, elapsed }: ComparisonRun): string {
  const out: string[] = [];
  out.push(
    `varstream backtest: ${Object.keys(c.models).length} models, betas from ${c.inSample?.start}..${c.inSample?.end}, ` +
      `out-of-sample ${c.outOfSample.start}..${c.outOfSample.end} (${c.outOfSample.observations} days), ${(elapsed / 1000).toFixed(2)} s`,
  );
  out.push('');
  out.push(...comparisonTable(c));
  out.push('zone: Basel traffic light over the last 250 days; capital = (3 + plus factor) × mean VaR99; eligible = green, Kupiec and DQ p > 0.05, duration test not rejecting with shape < 1 (clustering)');
  out.push(c.recommended ? `cheapest eligible model: ${c.recommended}` : 'no model is green and passes Kupiec, DQ and the clustering test');
  for (const [model, m] of Object.entries(c.models)) {
    const line = withinCiLine(`${model}: `, '0.99', m.levels['0.99']);
    if (line) out.push(line);
  }
  return out.join('\n') + '\n';
}

/** The exceptions simulation noise alone could undo (`exceptionsWithinCi`), one line; undefined when there are none. */
export function withinCiLine(prefix: string, key: string, level: LevelBacktest): string | undefined {
  const within = level.exceptionsWithinCi;
  if (!within?.length) return undefined;
  return `${prefix}${within.length} exception(s) at ${Number((Number(key) * 100).toPrecision(12))}% inside the VaR's Monte Carlo interval: ${within.join(', ')}`;
}
