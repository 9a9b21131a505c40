// One place that turns settings + fit + reduced tail into the run JSON, so the CLI, the Lambda handlers and the
// local stack produce the identical RunResult.
import type { Settings } from './config.ts';
import type { Timings } from '../contracts/run.ts';
import type { Reduced } from './risk.ts';
import { InputError, type FactorModel, type FitResult, type Regression, type RunResult, type SimulationSettings } from './types.ts';

/** The simulation part of the settings (df is null unless distribution is 't'). */
export function simulationSettings(settings: Settings): SimulationSettings {
  if (settings.model !== 'normal') {
    // the models are forecastDay's (engine/models) so far; the run pipeline wires them in the next change
    throw new InputError('settings', 1, 1, `setting "model": the run simulates model "normal" only so far; "${settings.model}" is available to the backtest (forecastDay)`);
  }
  return {
    simulations: settings.simulations,
    shards: settings.shards,
    seed: settings.seed,
    distribution: settings.distribution,
    df: settings.distribution === 't' ? (settings.df ?? null) : null,
    residual: settings.residual,
    intercept: settings.intercept,
    horizon: settings.horizon,
  };
}

/**
 * The run JSON. `simulation` defaults to simulationSettings(settings); pass the executed one when the runner changed
 * the shard count (the numbers do not depend on it, but the record says what ran).
 */
export function buildRunResult(
  fit: FitResult,
  model: FactorModel,
  settings: Settings,
  reduced: Reduced,
  timings: Timings,
  simulation: SimulationSettings = simulationSettings(settings),
): RunResult {
  const result: RunResult = {
    ...fit,
    full: withoutResiduals(fit.full),
    final: withoutResiduals(fit.final),
    model,
    simulation,
    risk: reduced.risk,
    attribution: reduced.attribution,
    stress: reduced.stress,
    timings,
  };
  if (settings.value !== undefined) result.value = settings.value;
  if (reduced.histogram !== undefined) result.histogram = reduced.histogram;
  result.transfer = reduced.transfer;
  return result;
}

/** The residual series served the model's s²; the run JSON keeps its summary (diagnostics, Q-Q), not 2·n numbers. */
function withoutResiduals(r: Regression): Regression {
  const { residuals: _, ...rest } = r;
  return rest;
}
