// `varstream backtest CSV --in-sample START:END --out-of-sample START:END [--window W --step S]`: fit on the in-sample
// window, take the Monte Carlo VaR per level, count the out-of-sample days whose return falls below −VaR and test them
// (Kupiec, Christoffersen, conditional coverage, Basel traffic light). With --window/--step the model is re-fitted
// every S out-of-sample days on the W days before that day.
import type { Command } from 'commander';
import { isRealDate, type Settings } from '../../lambdas/engine/config.ts';
import { backtest, type BacktestResult, type BacktestSeries, type RollingSpec, type VarInterval } from '../../lambdas/engine/backtest.ts';
import { factorModel, fitModel } from '../../lambdas/engine/fit.ts';
import { renderReport } from '../../lambdas/report/report.ts';
import { levelKey } from '../../lambdas/engine/risk.ts';
import { buildRunResult, inProcessShards, simulateAndReduce, simulationSettings } from '../../lambdas/engine/run.ts';
import { InputError, type FactorModel, type RunResult, type SimulationSettings } from '../../lambdas/engine/types.ts';
import { addInputOptions, csvCommand, COMMAND_LINE, modelFlags, loadReturns, numberFlag, runCli, settingsFromOptions, toJson, writeReport } from './common.ts';
import type { SimulationOptions } from './common.ts';
import { num, pct, pval, table } from './text.ts';
import { formatComparison, runComparison, withinCiLine, type CompareOptions } from './compare.ts';
import { sliceReturns } from '../../lambdas/engine/backtest/models.ts';
import { MODEL_NAMES } from '../../lambdas/engine/models/index.ts';

export interface BacktestOptions extends SimulationOptions {
  inSample: string;
  outOfSample: string;
  window?: string;
  step?: string;
  models?: string;
}

export function register(program: Command): void {
  const cmd = csvCommand(program, 'backtest', 'out-of-sample VaR backtest: exceptions, Kupiec, Christoffersen, conditional coverage, Basel traffic light')
    .requiredOption('--in-sample <start:end>', 'estimation window, e.g. 2023-01-03:2024-04-30')
    .requiredOption('--out-of-sample <start:end>', 'tested days, e.g. 2024-05-01:2025-09-25')
    .option('--window <days>', 'rolling re-estimation: fit on the last W days before each re-estimation day')
    .option('--step <days>', 'rolling re-estimation: re-fit every S out-of-sample days (default 20)')
    .option('--simulations <n>', 'Monte Carlo samples per fit (default 10000)')
    .option('--shards <n>', 'shards per simulation (the numbers do not depend on it)')
    .option('--seed <n>', 'random seed')
    .option('--distribution <name>', 'factor distribution: normal or t')
    .option('--df <x>', 'degrees of freedom (> 2) for --distribution t; with --models, of t, ewma-t, garch-t (default: fitted by ML)')
    .option('--residual <mode>', 'residual: none or normal')
    .option('--intercept', 'simulate the regression intercept α')
    .option('--confidence <list>', 'comma-separated confidence levels (default 0.99,0.975,0.95)')
    .option('--report <file>', 'also write the HTML report of the in-sample run with the backtest')
    .option('--models <list>', `compare models on the same days (${MODEL_NAMES.join(',')}): forecasts from the data up to the day before`)
    .option('--lambda <x>', 'with --models: EWMA decay λ of ewma, ewma-t, fhs (default 0.94)')
    .option('--lookback <days>', 'with --models: scenario days of hs and fhs (default 250 and 500)');
  addInputOptions(cmd);
  cmd.action(
    runCli(async (csv: string, opts: BacktestOptions) => {
      if (opts.models !== undefined) {
        const c = await runComparison(csv, opts as CompareOptions);
        return void process.stdout.write(opts.json ? toJson(c.comparison) : formatComparison(c));
      }
      const result = await runBacktest(csv, opts);
      process.stdout.write(opts.json ? toJson(result.backtest) : formatBacktest(result));
    }),
  );
}

export interface BacktestRun {
  run: RunResult;
  backtest: BacktestResult;
  series: BacktestSeries;
}

export async function runBacktest(csv: string, opts: BacktestOptions): Promise<BacktestRun> {
  const { inSample, outOfSample } = windowFlags(opts);
  const extra: Record<string, unknown> = {
    simulations: opts.simulations === undefined ? undefined : numberFlag(opts.simulations, '--simulations'),
    shards: opts.shards === undefined ? undefined : numberFlag(opts.shards, '--shards'),
    seed: opts.seed === undefined ? undefined : numberFlag(opts.seed, '--seed'),
    distribution: opts.distribution,
    ...modelFlags(opts),
  };
  const base = settingsFromOptions(opts, extra);
  // the single-model backtest simulates the paper's model; a config's other model would otherwise be silently ignored
  if (base.model !== 'normal') {
    throw new InputError(opts.config ?? COMMAND_LINE, 1, 1, `setting "model": the single-model backtest tests the static normal model; backtest ${base.model} with --models ${base.model}`);
  }
  if (base.horizon !== 1) throw new InputError(COMMAND_LINE, 1, 1, `backtest compares daily returns: horizon must be 1, not ${base.horizon}`);
  const rolling = rollingFlags(opts);

  const inSettings: Settings = { ...base, ...inSample };
  const inData = await loadReturns(csv, inSettings);
  const started = Date.now();
  const fit = fitModel(inData, inSettings);
  const model = factorModel(fit, inData);
  const fitted = Date.now();
  const simulation = simulationSettings(base);
  const reduced = simulate(model, simulation, base);
  const run = buildRunResult(fit, model, base, reduced, { fitMs: fitted - started, simulateMs: Date.now() - fitted });

  const levels = base.confidence;
  // the whole history up to the out-of-sample end, then its out-of-sample days: a rolling window reaches back before
  // its day, and the reader's "n ≥ k + 2 observations" rule (about fitting) must not refuse a short tested window
  const all = await loadReturns(csv, { ...base, start: undefined, end: outOfSample.end });
  const first = all.dates.findIndex((d) => d >= outOfSample.start);
  if (first < 0) throw new InputError(csv, 1, 1, `no day in the out-of-sample window ${outOfSample.start}..${outOfSample.end}`);
  const days = sliceReturns(all, first, all.dates.length);
  const varByDay: Record<string, number[]> = {};
  // each day's VaR comes with the 95 % Monte Carlo interval of the run it was taken from
  const varCi: Record<string, VarInterval[]> = {};
  let rollingSpec: RollingSpec | undefined;
  if (!rolling) {
    for (const c of levels) {
      varByDay[levelKey(c)] = new Array(days.dates.length).fill(run.risk[levelKey(c)].var);
      varCi[levelKey(c)] = new Array(days.dates.length).fill(run.risk[levelKey(c)].ci95);
    }
  } else {
    if (first < rolling.window) {
      throw new InputError(COMMAND_LINE, 1, 1, `--window ${rolling.window}: only ${first} days before ${all.dates[first]} in ${csv}`);
    }
    for (const c of levels) {
      varByDay[levelKey(c)] = new Array(days.dates.length);
      varCi[levelKey(c)] = new Array(days.dates.length);
    }
    rollingSpec = { window: rolling.window, step: rolling.step, refits: [] };
    let current: Record<string, number> = {};
    let currentCi: Record<string, VarInterval> = {};
    for (let i = 0; i < days.dates.length; i++) {
      if (i % rolling.step === 0) {
        const at = first + i;
        const win = sliceReturns(all, at - rolling.window, at);
        const winSettings: Settings = { ...base, start: win.dates[0], end: win.dates[win.dates.length - 1] };
        const f = fitModel(win, winSettings);
        const m = factorModel(f, win);
        const r = simulate(m, simulation, base);
        current = Object.fromEntries(levels.map((c) => [levelKey(c), r.risk[levelKey(c)].var]));
        currentCi = Object.fromEntries(levels.map((c) => [levelKey(c), r.risk[levelKey(c)].ci95]));
        rollingSpec.refits.push({ date: days.dates[i], start: win.dates[0], end: win.dates[win.dates.length - 1], var: current });
      }
      for (const c of levels) {
        varByDay[levelKey(c)][i] = current[levelKey(c)];
        varCi[levelKey(c)][i] = currentCi[levelKey(c)];
      }
    }
  }
  const series: BacktestSeries = { dates: days.dates, returns: Array.from(days.y), var: varByDay };
  const result = backtest({ dates: days.dates, values: days.y }, varByDay, levels, {
    inSample: { start: fit.window.start, end: fit.window.end, observations: fit.observations },
    rolling: rollingSpec,
    varCi: run.simulation.exact ? undefined : varCi,
  });
  if (opts.report) {
    // the run carries the shards' summed histogram (simulateShardPacked always counts it)
    const html = renderReport(run, { backtest: { ...result, series } });
    writeReport(opts.report, html);
  }
  return { run, backtest: result, series };
}

/** In-process Monte Carlo: every shard simulated here, merged, reduced (the same numbers as the distributed run). */
function simulate(model: FactorModel, simulation: SimulationSettings, settings: Settings) {
  return simulateAndReduce(model, simulation, settings, inProcessShards(model, simulation, settings.confidence));
}

/** --in-sample and --out-of-sample, checked: two date ranges, the tested one after the estimation one. */
export function windowFlags(opts: BacktestOptions): { inSample: DateRange; outOfSample: DateRange } {
  if (opts.start !== undefined || opts.end !== undefined) {
    throw new InputError(COMMAND_LINE, 1, 1, 'backtest takes its windows from --in-sample and --out-of-sample, not --start/--end');
  }
  const inSample = range(opts.inSample, '--in-sample');
  const outOfSample = range(opts.outOfSample, '--out-of-sample');
  if (outOfSample.start <= inSample.end) {
    throw new InputError(COMMAND_LINE, 1, 1, `--out-of-sample starts ${outOfSample.start}, not after the in-sample end ${inSample.end}`);
  }
  return { inSample, outOfSample };
}

interface DateRange {
  start: string;
  end: string;
}

function range(value: string, flag: string): DateRange {
  const m = /^(\d{4}-\d{2}-\d{2}):(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (!m) throw new InputError(COMMAND_LINE, 1, 1, `${flag}: expected START:END as YYYY-MM-DD:YYYY-MM-DD, got ${JSON.stringify(value)}`);
  const [, start, end] = m;
  if (!isRealDate(start) || !isRealDate(end)) throw new InputError(COMMAND_LINE, 1, 1, `${flag}: ${value} is not a pair of calendar dates`);
  if (start > end) throw new InputError(COMMAND_LINE, 1, 1, `${flag}: ${end} is before ${start}`);
  return { start, end };
}

function rollingFlags(opts: BacktestOptions): { window: number; step: number } | undefined {
  if (opts.window === undefined && opts.step === undefined) return undefined;
  if (opts.window === undefined) throw new InputError(COMMAND_LINE, 1, 1, '--step needs --window');
  const window = numberFlag(opts.window, '--window');
  const step = opts.step === undefined ? 20 : numberFlag(opts.step, '--step');
  if (!Number.isInteger(window) || window < 30) throw new InputError(COMMAND_LINE, 1, 1, `--window: expected an integer ≥ 30 days, got ${opts.window}`);
  if (!Number.isInteger(step) || step < 1) throw new InputError(COMMAND_LINE, 1, 1, `--step: expected a positive integer, got ${opts.step}`);
  return { window, step };
}

export function formatBacktest({ run, backtest: bt }: BacktestRun): string {
  const out: string[] = [];
  const is = bt.inSample!;
  out.push(
    `varstream backtest: ${run.portfolio}, in-sample ${is.start}..${is.end} (${is.observations} days), ` +
      `out-of-sample ${bt.outOfSample.start}..${bt.outOfSample.end} (${bt.outOfSample.observations} days)`,
  );
  out.push(
    `in-sample model: ${run.selected.join(' ') || '(none)'}, R² ${num(run.final.r2)}${run.adequate ? '' : ' (not adequate)'}; ` +
      `${run.simulation.simulations} simulations, seed ${run.simulation.seed}, ${run.simulation.distribution}`,
  );
  if (bt.rolling) out.push(`rolling re-estimation: ${bt.rolling.window}-day window every ${bt.rolling.step} days, ${bt.rolling.refits.length} fits`);
  out.push('');
  const header = ['level', 'VaR', 'exceptions', 'rate', 'expected', 'Kupiec LR', 'p', 'Christoffersen LR', 'p', 'cond. cov. LR', 'p', 'traffic light (last days)'];
  const rows = Object.entries(bt.levels).map(([k, l]) => {
    const vars = bt.rolling ? bt.rolling.refits.map((r) => r.var[k]) : [run.risk[k].var];
    const lo = Math.min(...vars), hi = Math.max(...vars);
    return [
      `${Number((Number(k) * 100).toPrecision(12))}%`,
      lo === hi ? pct(lo, 2) : `${pct(lo, 2)}–${pct(hi, 2)}`,
      `${l.exceptions}/${l.observations}`,
      pct(l.rate, 2),
      pct(l.expectedRate, 2),
      num(l.kupiec.lr),
      pval(l.kupiec.pValue),
      num(l.christoffersen.lr),
      pval(l.christoffersen.pValue),
      num(l.conditionalCoverage.lr),
      pval(l.conditionalCoverage.pValue),
      `${l.trafficLight.zone} (${l.trafficLight.exceptions} in ${l.trafficLight.days})`,
    ];
  });
  out.push(...table(header, rows));
  out.push('exception: a day whose portfolio return is below −VaR; traffic light: Basel zones over the last 250 days');
  for (const [k, l] of Object.entries(bt.levels)) {
    const line = withinCiLine('', k, l);
    if (line) out.push(line);
  }
  for (const w of run.warnings) out.push(`warning: ${w}`);
  return out.join('\n') + '\n';
}
