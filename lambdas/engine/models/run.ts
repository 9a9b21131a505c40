// What a run simulates for each model: the model's forecast for the day after the fit window, written as the
// FactorModel + SimulationSettings the Monte Carlo streams already draw from, so every model runs through the same
// reproducible, shard-invariant pipeline and its analyticVar is that model's own closed form:
// - normal: unchanged (the paper's model, bit-identical).
// - t: F ~ t_ν(μ, Ψ) by ECME on the fit window (cov = νΨ/(ν − 2)), residual N(0, s²); closed form: the quadrature.
// - ewma: F ~ N(0, Σ_t), residual N(0, v_t) (RiskMetrics at the forecast day); h days are h iid days (√h rule).
// - ewma-t, garch-t: the whole day is σ·unit-variance t, so the residual joins the t scale as a pseudo-factor named
//   "residual" (β = 1, variance v_t, uncorrelated) and the simulation has no separate residual. ewma-t: Σ_t, v_t.
//   garch-t: the fit window's Σ and s² scaled by one factor to the GARCH variance σ²_t (the factor shares stay the
//   window's); for h > 1 days each sample follows its own GARCH path from σ²_t (garch-path.ts: day d's variance from
//   the sample's simulated day d − 1), so the parameters travel in simulation.parameters.
// - hs, fhs: the model carries the L scenario days (model.scenarios: the factor columns, re-volatilized for fhs, and
//   the residual as the pseudo-factor "residual"); scenario-sampler.ts draws from them. One day: the run's samples ARE
//   the L scenarios (simulations = L, exact: true), so its VaR/ES are the enumeration forecastDay gives. h > 1 days:
//   each sample sums h whole scenario days drawn iid from the seed's streams (exact: false).
import type { Settings } from '../config.ts';
import { InputError, type FactorModel, type FitResult, type ReturnsData, type RunResult, type SimulationSettings } from '../types.ts';
import { bootstrapVar, type Bootstrap } from './bootstrap.ts';
import { ewmaTDf } from './ewma-t.ts';
import { garchVariance, scheduledGarch } from './garch-t.ts';
import { fhsScenarios } from './fhs.ts';
import { ewmaPath } from './history.ts';
import { hsScenarios } from './hs.ts';
import { windowT } from './student-t.ts';
import { fittedOf, historyOf, modelOptions } from './index.ts';
import { MAX_SCENARIO_NUMBERS, type FittedFactorModel, type ModelHistory } from './types.ts';

export interface ModelRun {
  model: FactorModel;
  simulation: SimulationSettings;
  /** settings.bootstrap > 0: the VaR intervals from re-fitting on resampled windows */
  bootstrap?: Bootstrap;
}

/** The pseudo-factor that carries the residual inside a t scale (ewma-t, garch-t); never a real factor (csv refuses it). */
export const RESIDUAL_FACTOR = 'residual';

export function prepareModelRun(settings: Settings, base: FactorModel, simulation: SimulationSettings, history: ModelHistory, fitted: FittedFactorModel): ModelRun {
  const k = base.factors.length;
  const zeros = new Array<number>(k).fill(0);
  const sim: SimulationSettings = { ...simulation, model: settings.model };
  switch (settings.model) {
    case 'normal':
      return { model: base, simulation: sim };
    case 't': {
      const t = windowT(history, fitted, settings.df);
      const c = t.df / (t.df - 2);
      return {
        model: { ...base, mu: t.mu, cov: t.dispersion.map((r) => r.map((v) => c * v)) },
        simulation: { ...sim, distribution: 't', df: t.df, residual: 'normal', parameters: { df: t.df } },
      };
    }
    case 'ewma': {
      const p = ewmaPath(history, fitted, settings.lambda);
      const n = history.portfolio.length;
      return {
        model: { ...base, mu: zeros, cov: p.cov, residualVariance: p.residualVar[n] },
        simulation: { ...sim, lambda: settings.lambda, distribution: 'normal', df: null, residual: 'normal', intercept: false },
      };
    }
    case 'ewma-t': {
      const p = ewmaPath(history, fitted, settings.lambda);
      const n = history.portfolio.length;
      const nu = settings.df ?? ewmaTDf(history, fitted, settings.lambda, p);
      return {
        model: withResidualFactor(base, p.cov, p.residualVar[n]),
        simulation: { ...sim, lambda: settings.lambda, distribution: 't', df: nu, residual: 'none', intercept: false, parameters: { df: nu } },
      };
    }
    case 'garch-t': {
      const { fit, x } = scheduledGarch(history, fitted, settings.df);
      const next = garchVariance(x, fit);
      let window = base.residualVariance;
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) window += base.beta[i] * base.cov[i][j] * base.beta[j];
      const g = next / window;
      return {
        model: withResidualFactor(base, base.cov.map((r) => r.map((v) => g * v)), g * base.residualVariance),
        simulation: {
          ...sim, distribution: 't', df: fit.df, residual: 'none', intercept: false,
          parameters: { omega: fit.omega, alpha: fit.alpha, beta: fit.beta, df: fit.df, variance: next },
        },
      };
    }
    case 'hs':
    case 'fhs': {
      const options = modelOptions(settings);
      const columns = settings.model === 'hs' ? hsScenarios(history, fitted, options) : fhsScenarios(history, fitted, options);
      const L = columns[0].length;
      if (L * columns.length > MAX_SCENARIO_NUMBERS) {
        const most = Math.floor(MAX_SCENARIO_NUMBERS / columns.length);
        throw new InputError('settings', 1, 1, `setting "lookback": ${L} days × ${columns.length} columns (the factors and the residual) exceed the ${MAX_SCENARIO_NUMBERS} scenario numbers a shard carries; at most ${most} days with these factors`);
      }
      const oneDay = settings.horizon === 1;
      return {
        model: scenarioModel(base, columns),
        simulation: {
          ...sim, simulations: oneDay ? L : sim.simulations, distribution: 'normal', df: null, residual: 'none', intercept: false,
          ...(settings.model === 'fhs' ? { lambda: settings.lambda } : {}), lookback: L, exact: oneDay,
        },
      };
    }
    default:
      throw new InputError('settings', 1, 1, `setting "model": "${settings.model}" cannot be simulated`);
  }
}

/** The scenario model of hs/fhs: the columns (factors, then the residual) with their own mean and covariance (L − 1). */
function scenarioModel(base: FactorModel, columns: Float64Array[]): FactorModel {
  const L = columns[0].length;
  const m = columns.length;
  const mu = columns.map((c) => c.reduce((a, b) => a + b, 0) / L);
  const cov = Array.from({ length: m }, (_, a) =>
    Array.from({ length: m }, (_, b) => {
      let s = 0;
      for (let t = 0; t < L; t++) s += (columns[a][t] - mu[a]) * (columns[b][t] - mu[b]);
      return s / (L - 1);
    }),
  );
  return { ...withResidual(base, mu, cov), scenarios: columns.map((c) => Array.from(c)) };
}

/** Zero-mean factors with covariance cov plus the pseudo-factor "residual" (β 1, variance v, uncorrelated). */
function withResidualFactor(base: FactorModel, cov: number[][], v: number): FactorModel {
  const k = base.factors.length;
  return withResidual(base, new Array<number>(k + 1).fill(0), [...cov.map((r) => [...r, 0]), [...new Array<number>(k).fill(0), v]]);
}

/** The factors plus the pseudo-factor "residual" (β 1) as the last of k + 1 columns with mean mu and covariance cov. */
function withResidual(base: FactorModel, mu: number[], cov: number[][]): FactorModel {
  const k = base.factors.length;
  return { ...base, factors: [...base.factors, RESIDUAL_FACTOR], beta: [...base.beta, 1], mu, cov, residualVariance: cov[k][k] };
}

/** `read` that reads each end date once: the model and the backtest setting share one pass over the history. */
export function readOnce(read: (end: string) => Promise<ReturnsData>): (end: string) => Promise<ReturnsData> {
  let last: { end: string; data: Promise<ReturnsData> } | undefined;
  return (end) => {
    if (last?.end !== end) last = { end, data: read(end) };
    return last.data;
  };
}

/**
 * The run's model for any setting: "normal" as fitted (nothing more is read); the others read the file's whole history
 * up to the fit window's end through `readHistory` (the CLI's file, the pipeline's S3 object: this module does no I/O).
 */
export async function modelRunFor(
  settings: Settings, fit: Pick<FitResult, 'window'>, base: FactorModel, simulation: SimulationSettings,
  readHistory: (end: string) => Promise<ReturnsData>, window: ReturnsData,
): Promise<ModelRun> {
  const normal = settings.model === 'normal';
  const history = historyOf(normal ? window : await readHistory(fit.window.end), base.factors);
  // computed only when a model or the bootstrap needs it, and then once
  let fitted: FittedFactorModel | undefined;
  const fittedModel = () => (fitted ??= fittedOf(base, history, fit.window.start, fit.window.end));
  const run: ModelRun = normal ? { model: base, simulation: { ...simulation, model: 'normal' } } : prepareModelRun(settings, base, simulation, history, fittedModel());
  if (settings.bootstrap > 0) {
    run.bootstrap = bootstrapVar(settings.model, history, fittedModel(), modelOptions(settings), settings.confidence, settings.bootstrap, settings.seed);
    run.simulation = { ...run.simulation, bootstrap: settings.bootstrap };
  }
  return run;
}

/** Puts the bootstrap intervals beside the Monte Carlo ones in the run JSON (risk[level].bootstrapCi95). */
export function withBootstrap<R extends Pick<RunResult, 'risk'>>(result: R, bootstrap: Bootstrap | undefined): R {
  if (!bootstrap) return result;
  for (const [k, ci] of Object.entries(bootstrap.ci95)) if (result.risk[k]) result.risk[k].bootstrapCi95 = ci;
  return result;
}
