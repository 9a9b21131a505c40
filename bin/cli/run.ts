// `varstream run CSV`: fit, then the Monte Carlo VaR/ES on local worker threads, then the risk table (or --json).
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { Settings } from '../../lambdas/engine/config.ts';
import { factorModel, fitRegression, withLasso } from '../../lambdas/engine/fit.ts';
import { levelKey } from '../../lambdas/engine/risk.ts';
import { buildRunResult, simulateAndReduce, simulationSettings } from '../../lambdas/engine/run.ts';
import { planShards } from '../../lambdas/engine/simulate.ts';
import { stressTest } from '../../lambdas/engine/stress.ts';
import { InputError, type RunResult } from '../../lambdas/engine/types.ts';
import { defaultWorkers, localShardCount, runShards } from './pool.ts';
import { addInputOptions, confidenceFlag, csvCommand, COMMAND_LINE, loadReturns, numberFlag, runCli, settingsAndSource, toJson, withSettingsSource, writeReport } from './common.ts';
import { renderReport } from '../../lambdas/report/report.ts';
import { runBacktestSetting } from '../../lambdas/engine/backtest/models.ts';
import type { SimulationOptions } from './common.ts';
import { money, num, pct, table } from './text.ts';
import { closedFormName } from '../../lambdas/engine/closed-form.ts';
import { modelRunFor, readOnce, withBootstrap } from '../../lambdas/engine/models/run.ts';
import { MAX_SCENARIO_NUMBERS, MODEL_NAMES } from '../../lambdas/engine/models/types.ts';

interface RunOptions extends SimulationOptions {
  workers?: string;
  model?: string;
  lambda?: string;
  lookback?: string;
  bootstrap?: string;
  horizon?: string;
  value?: string;
  shock?: string[];
}

/** Below this many samples a run stays in this thread unless --workers is given: starting workers costs more. */
const IN_PROCESS_LIMIT = 2_000_000;

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** "XLK=-0.10,VIX=0.50" → { XLK: -0.1, VIX: 0.5 } */
export function parseShock(text: string): Record<string, number> {
  const shock: Record<string, number> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    const m = /^([^=\s]+)\s*=\s*(\S+)$/.exec(part);
    if (!m) throw new InputError(COMMAND_LINE, 1, 1, `--shock: "${part}" is not FACTOR=RETURN`);
    shock[m[1]] = numberFlag(m[2], `--shock ${m[1]}`);
  }
  if (Object.keys(shock).length === 0) throw new InputError(COMMAND_LINE, 1, 1, '--shock: expected FACTOR=RETURN[,FACTOR=RETURN…]');
  return shock;
}

/** The settings keys the run flags map to (only flags actually given). */
export function runFlags(opts: RunOptions): Record<string, unknown> {
  const n = (v: string | undefined, flag: string) => (v === undefined ? undefined : numberFlag(v, flag));
  return {
    simulations: n(opts.simulations, '--simulations'),
    shards: n(opts.shards, '--shards'),
    seed: n(opts.seed, '--seed'),
    model: opts.model,
    lambda: n(opts.lambda, '--lambda'),
    lookback: n(opts.lookback, '--lookback'),
    bootstrap: n(opts.bootstrap, '--bootstrap'),
    distribution: opts.distribution,
    df: n(opts.df, '--df'),
    residual: opts.residual,
    intercept: opts.intercept,
    horizon: n(opts.horizon, '--horizon'),
    value: n(opts.value, '--value'),
    confidence: confidenceFlag(opts.confidence),
    shocks: opts.shock === undefined ? undefined : opts.shock.map(parseShock),
  };
}

export function register(program: Command): void {
  const cmd = csvCommand(program, 'run', 'fit the factor model, then simulate portfolio returns and report VaR, ES, attribution and stress');
  addInputOptions(cmd);
  cmd
    .option('--simulations <n>', 'Monte Carlo samples (default 10000)')
    .option('--shards <s>', 'minimum number of shards (more are used to keep workers busy and memory bounded)')
    .option('--workers <w>', 'worker threads (default: all cores above 2e6 samples, else this thread; 0 = this thread)')
    .option('--seed <x>', 'random seed (default 20240430); the same seed gives the same numbers for any shards/workers')
    .option('--model <name>', `risk model: ${MODEL_NAMES.join(', ')} (default normal, the paper; README "Models")`)
    .option('--lambda <x>', 'EWMA decay of ewma, ewma-t, fhs, in (0, 1) (default 0.94)')
    .option('--lookback <days>', `scenario days of hs, fhs (default 250, 500; at most ${MAX_SCENARIO_NUMBERS} / (factors + 1))`)
    .option('--bootstrap <B>', 'also a 95% interval of each VaR from B re-fits on resampled fit windows (default 0: none)')
    .option('--distribution <d>', 'factor distribution of model normal: normal or t (default normal)')
    .option('--df <nu>', 'degrees of freedom (> 2) for --distribution t; for models t, ewma-t, garch-t (default: fitted by ML)')
    .option('--residual <mode>', 'add the regression residual: none or normal (default none)')
    .option('--intercept', 'add the regression intercept α to every day')
    .option('--horizon <h>', 'days: each sample is the sum of h independent daily returns (default 1)')
    .option('--value <v>', 'portfolio value: also report VaR and ES in money')
    .option('--confidence <list>', 'comma-separated confidence levels (default 0.99,0.975,0.95)')
    .option('--shock <list>', 'stress test FACTOR=RETURN[,…] (absolute factor returns for a day); repeatable', collect)
    .option('--report <file>', 'also write the self-contained HTML report of the run');
  cmd.action(
    runCli(async (csv: string, opts: RunOptions) => {
      if (opts.distribution !== undefined && opts.distribution !== 'normal' && opts.distribution !== 't') {
        throw new InputError(COMMAND_LINE, 1, 1, `--distribution: expected normal or t, got "${opts.distribution}"`);
      }
      if (opts.residual !== undefined && opts.residual !== 'none' && opts.residual !== 'normal') {
        throw new InputError(COMMAND_LINE, 1, 1, `--residual: expected none or normal, got "${opts.residual}"`);
      }
      let workers: number | undefined;
      if (opts.workers !== undefined) {
        workers = numberFlag(opts.workers, '--workers');
        if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new InputError(COMMAND_LINE, 1, 1, '--workers: expected an integer in [0, 256]');
      }
      const { settings, source } = settingsAndSource(opts, runFlags(opts));
      const run = await withSettingsSource(source, () => runLocal(csv, settings, workers, !opts.json));
      // the report names its subject: the file, when it ran, the settings (no run id or bucket on the command line)
      const subject = { portfolioId: run.portfolio, input: { key: csv }, createdAt: new Date().toISOString(), settings };
      if (opts.report !== undefined) writeReport(opts.report, renderReport(run, { subject }));
      process.stdout.write(opts.json ? toJson(run) : formatRun(run, settings));
    }),
  );
}

/** The whole local run; returns the same RunResult the Lambda pipeline stores. */
export async function runLocal(csv: string, settings: Settings, workersFlag: number | undefined, progress: boolean): Promise<RunResult> {
  const t0 = performance.now();
  const data = await loadReturns(csv, settings);
  const t1 = performance.now();
  // the LASSO cross-check never changes the simulated model: it runs below, while the workers simulate
  const regressions = fitRegression(data, settings);
  const fitted = factorModel(regressions, data);
  // a shock naming a factor the model does not have is an input error: report it before simulating
  for (const shock of settings.shocks) {
    try {
      stressTest(fitted, shock);
    } catch (e) {
      throw e instanceof InputError ? new InputError(COMMAND_LINE, 1, 1, `--shock: ${e.detail}`) : e;
    }
  }
  // the file's whole history up to the window's end, read once for the model and the backtest setting
  const readHistory = readOnce((end) => loadReturns(csv, { ...settings, start: undefined, end }));
  const prepared = await modelRunFor(settings, regressions, fitted, simulationSettings(settings), readHistory, data);
  const model = prepared.model;
  const t2 = performance.now();

  const base = prepared.simulation;
  const n = base.simulations;
  const workers = workersFlag ?? (n <= IN_PROCESS_LIMIT ? 0 : defaultWorkers());
  const simulation = { ...base, shards: localShardCount(n, base.shards, workers) };
  const bar = progress && process.stderr.isTTY ? new SingleBar({ format: 'simulating [{bar}] {percentage}% | {value}/{total} samples | ETA {eta}s', stream: process.stderr, hideCursor: true }) : undefined;
  let barStarted = false;
  let t3 = 0;
  const simulated = simulateAndReduce(model, simulation, settings, async (merger) => {
    await runShards(planShards(model, simulation, settings.confidence), merger, {
      workers,
      onProgress: (done, total) => {
        if (!bar) return;
        // only runs longer than a second get a bar
        if (!barStarted && performance.now() - t2 > 1000) {
          bar.start(total, done);
          barStarted = true;
        } else if (barStarted) bar.update(done);
      },
    });
    if (barStarted) bar!.stop();
    t3 = performance.now();
  });
  simulated.catch(() => {}); // a failure is thrown by the await below, not reported as unhandled meanwhile
  // one turn of the event loop starts the workers and posts the shards: the cross-check then overlaps the simulation
  await new Promise<void>((resolve) => setImmediate(resolve));
  const tLasso = performance.now();
  const fit = withLasso(regressions, data, settings);
  const lassoMs = performance.now() - tLasso;
  const reduced = await simulated;
  const t4 = performance.now();
  // fitMs: the whole fit, its overlapped LASSO included; simulateMs: the simulation's own wall time
  const timings = { readMs: t1 - t0, fitMs: t2 - t1 + lassoMs, simulateMs: t3 - t2, reduceMs: t4 - t3, totalMs: t4 - t0, workers };
  const run = withBootstrap(buildRunResult(fit, model, settings, reduced, timings, simulation), prepared.bootstrap);
  // the setting `backtest`: its models read the file's days before the window too
  if (settings.backtest) run.backtest = runBacktestSetting(await readHistory(data.dates[data.dates.length - 1]), settings);
  return run;
}

/** The human summary: model, risk table, closed-form cross-check, attribution, stress, timings. */
export function formatRun(run: RunResult, settings: Settings): string {
  const out: string[] = [];
  const f = run.final;
  const sim = run.simulation;
  out.push(`varstream run: ${run.portfolio}, ${run.observations} observations ${run.window.start}..${run.window.end}`);
  out.push(`model: ${run.selected.join(' ') || '(no factors)'}   R² ${num(f.r2)}   adj. R² ${num(f.adjR2)}${run.adequate ? '' : '   (NOT adequate)'}`);
  out.push(
    ...table(
      ['factor', 'beta', 'mean', 'sd'],
      run.model.factors.map((name, j) => [name, num(run.model.beta[j]), pct(run.model.mu[j], 4), pct(Math.sqrt(run.model.cov[j][j]), 3)]),
    ),
  );
  out.push(`alpha ${num(run.model.alpha)}   residual sd ${pct(Math.sqrt(run.model.residualVariance), 3)}`);
  for (const w of run.warnings) out.push(`warning: ${w}`);
  out.push('');
  out.push(`model used: ${modelUsed(sim)}`);
  const dist = sim.distribution === 't' ? `Student-t (df ${sim.df})` : 'normal';
  const days = `horizon ${sim.horizon} day${sim.horizon === 1 ? '' : 's'}`;
  if (sim.exact) out.push(`simulation: none, the exact enumeration of the ${sim.lookback} scenario days, ${days}`);
  else if (sim.lookback !== undefined) out.push(`simulation: ${sim.simulations.toLocaleString('en-US')} samples, each ${sim.horizon} whole days drawn iid from the ${sim.lookback} scenario days, seed ${sim.seed}`);
  else {
    out.push(
      `simulation: ${sim.simulations.toLocaleString('en-US')} samples, ${dist} factors, residual ${sim.residual}, ` +
        `intercept ${sim.intercept ? 'on' : 'off'}, ${days}, seed ${sim.seed}`,
    );
  }
  const withValue = run.value !== undefined;
  const boot = sim.bootstrap !== undefined;
  const header = ['level', 'VaR', 'ES', 'SE(VaR)', 'VaR 95% CI (MC)', ...(boot ? [`95% CI (bootstrap ${sim.bootstrap})`] : []), ...(withValue ? ['VaR value', 'ES value'] : [])];
  const rows = settings.confidence.map((c) => {
    const r = run.risk[levelKey(c)];
    return [
      `${+(c * 100).toFixed(4)}%`,
      pct(r.var),
      pct(r.es),
      pct(r.standardError, 4),
      `${pct(r.ci95[0])} .. ${pct(r.ci95[1])}`,
      ...(boot && r.bootstrapCi95 ? [`${pct(r.bootstrapCi95[0])} .. ${pct(r.bootstrapCi95[1])}`] : []),
      ...(withValue ? [money(r.varValue ?? NaN), money(r.esValue ?? NaN)] : []),
    ];
  });
  out.push(...table(header, rows));
  out.push(`cross-check (${closedFormName(sim)}):`);
  out.push(
    ...table(
      ['level', 'VaR', 'closed form', 'diff/SE', 'ES', 'closed form'],
      settings.confidence.map((c) => {
        const r = run.risk[levelKey(c)];
        // no z-score against an approximation: the gap is model error, not simulation noise
        // nor against an enumeration: both numbers are the same exact one (standardError 0)
        const z = r.analytic === 'approximation' || sim.exact ? '—' : num((r.var - r.analyticVar) / r.standardError, 3);
        return [`${+(c * 100).toFixed(4)}%`, pct(r.var), pct(r.analyticVar), z, pct(r.es), pct(r.analyticEs)];
      }),
    ),
  );
  out.push('');
  out.push(`attribution per level (component VaR: ${sim.exact ? 'the VaR scenario, split by factor' : 'Euler closed form'}; component ES: tail ${sim.exact ? 'scenarios' : 'samples'})`);
  const levels = settings.confidence.map((c) => ({ label: `${+(c * 100).toFixed(4)}%`, rows: run.risk[levelKey(c)].attribution ?? {} }));
  out.push(
    ...table(
      ['component', ...levels.flatMap((l) => [`VaR ${l.label}`, `ES ${l.label}`])],
      Object.keys(run.attribution).map((k) => [k, ...levels.flatMap((l) => (l.rows[k] ? [pct(l.rows[k].componentVar), pct(l.rows[k].componentEs)] : ['—', '—']))]),
    ),
  );
  if (run.stress.length > 0) {
    out.push('');
    out.push('stress (one day, factor part of the portfolio return)');
    out.push(
      ...table(
        ['shock', 'direct', 'conditional', ...(withValue ? ['conditional value'] : [])],
        run.stress.map((s) => [
          Object.entries(s.shock).map(([k, v]) => `${k} ${pct(v, 2)}`).join(', '),
          pct(s.direct),
          pct(s.conditional),
          ...(withValue ? [money(run.value! * s.conditional)] : []),
        ]),
      ),
    );
  }
  out.push('');
  const t = { readMs: 0, fitMs: 0, simulateMs: 0, reduceMs: 0, ...run.timings };
  const rate = t.simulateMs > 0 ? ` (${num(sim.simulations / (t.simulateMs / 1000), 3)} samples/s)` : '';
  out.push(
    `timings: read ${t.readMs.toFixed(0)} ms, fit ${t.fitMs.toFixed(0)} ms, simulate ${t.simulateMs.toFixed(0)} ms${rate} on ${t.workers || 'no'} worker${t.workers === 1 ? '' : 's'} ` +
      `in ${sim.shards} shard${sim.shards === 1 ? '' : 's'}, reduce ${t.reduceMs.toFixed(0)} ms`,
  );
  return out.join('\n') + '\n';
}

/** "ewma (λ 0.94)", "garch-t (ω …, α …, β …, ν …)": the model line of the CLI summary. */
export function modelUsed(sim: RunResult['simulation']): string {
  const name = sim.model ?? 'normal';
  const p = sim.parameters ?? {};
  const parts: string[] = [];
  if (sim.lambda !== undefined) parts.push(`λ ${sim.lambda}`);
  if (sim.lookback !== undefined) parts.push(`${sim.lookback} scenario days`);
  if (p.omega !== undefined) parts.push(`ω ${p.omega.toPrecision(4)}, α ${p.alpha.toFixed(4)}, β ${p.beta.toFixed(4)}`);
  if (p.df !== undefined) parts.push(`ν ${p.df.toFixed(3)}`);
  return parts.length > 0 ? `${name} (${parts.join(', ')})` : name;
}
