// One place that turns settings + fit + reduced tail into the run JSON, so the CLI, the Lambda handlers and the
// local stack produce the identical RunResult.
import type { Settings } from './config.ts';
import type { Timings } from '../contracts/run.ts';
import { reduceRisk, type Reduced, type ReduceOptions } from './risk.ts';
import { planShards, simulateShardPacked } from './simulate.ts';
import { TailMerger } from './tail.ts';
import type { FactorModel, FitResult, Regression, RunResult, SimulationSettings } from './types.ts';

/** The simulation part of the settings (df is null unless distribution is 't'). */
export function simulationSettings(settings: Settings): SimulationSettings {
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
 * Simulate-and-reduce, the one sequence after the fit that every path runs: one merger for the run, filled by
 * `shards` (every shard's partial: simulated in-process, on worker threads, or read back from storage), reduced to
 * risk, attribution and stress. The Reduce handler's source is the partials its Simulate tasks wrote; the CLI's run
 * and the bench simulate on the worker pool; the backtest in-process (`inProcessShards`). Synchronous when `shards` is.
 */
export function simulateAndReduce(model: FactorModel, simulation: SimulationSettings, settings: ReduceSettings, shards: (merger: TailMerger) => Promise<unknown>): Promise<Reduced>;
export function simulateAndReduce(model: FactorModel, simulation: SimulationSettings, settings: ReduceSettings, shards: (merger: TailMerger) => void): Reduced;
export function simulateAndReduce(model: FactorModel, simulation: SimulationSettings, settings: ReduceSettings, shards: (merger: TailMerger) => unknown): Reduced | Promise<Reduced> {
  const merger = new TailMerger(simulation.simulations);
  const filled = shards(merger);
  const reduce = () => reduceRisk(merger, model, simulation, settings.confidence, { value: settings.value, shocks: settings.shocks });
  return filled instanceof Promise ? filled.then(reduce) : reduce();
}

type ReduceSettings = { confidence: number[] } & ReduceOptions;

/** Every planned shard simulated on this thread, one after the other. */
export function inProcessShards(model: FactorModel, simulation: SimulationSettings, confidence: number[]): (merger: TailMerger) => void {
  return (merger) => {
    for (const d of planShards(model, simulation, confidence)) merger.add(simulateShardPacked(d));
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
    model: withoutScenarios(model),
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

/** The hs/fhs scenarios fed the shards; the run JSON keeps the model's β, μ, Σ (L·(k + 1) numbers are the input's). */
export function withoutScenarios(model: FactorModel): FactorModel {
  const { scenarios: _, ...rest } = model;
  return rest;
}

/** The residual series served the model's s²; the run JSON keeps its summary (diagnostics, Q-Q), not 2·n numbers. */
export function withoutResiduals(r: Regression): Regression {
  const { residuals: _, ...rest } = r;
  return rest;
}
