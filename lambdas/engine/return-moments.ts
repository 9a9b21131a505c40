// The simulated day's closed-form mean and variance, and the run's histogram bins built from them.
import { horizonVarianceFactor } from './garch-path.ts';
import type { FactorModel, SimulationSettings } from './types.ts';

/** Mean and variance of one simulated day: βᵀμ (+ α with intercept), βᵀΣβ (+ s² with residual normal). */
export function dailyMoments(model: FactorModel, simulation: SimulationSettings): { mean: number; variance: number } {
  const k = model.factors.length;
  let mean = 0;
  let variance = 0;
  for (let i = 0; i < k; i++) {
    mean += model.beta[i] * model.mu[i];
    for (let j = 0; j < k; j++) variance += model.beta[i] * model.cov[i][j] * model.beta[j];
  }
  if (simulation.intercept) mean += model.alpha;
  if (simulation.residual === 'normal') variance += model.residualVariance;
  return { mean, variance };
}

/** Bins of the run's histogram (see histogramEdges). */
export const HISTOGRAM_BINS = 100;

/**
 * The run's histogram bins: HISTOGRAM_BINS equal bins over the closed-form mean ± 6 sd of the simulated h-day return
 * (mean h·(βᵀμ (+ α)), sd sqrt(h·(βᵀΣβ (+ s²))); the t factors have covariance Σ too). A function of the model and the
 * simulation settings only, so every shard bins identically and the summed counts do not depend on the split.
 * Samples below the first edge count in the first bin, samples above the last edge in the last bin (both open-ended).
 */
export function histogramEdges(model: FactorModel, simulation: SimulationSettings): { lo: number; width: number; edges: number[] } {
  const { mean, variance } = dailyMoments(model, simulation);
  const h = simulation.horizon;
  let sd = Math.sqrt(horizonVarianceFactor(simulation) * variance);
  if (!(sd > 0)) sd = 1e-12; // degenerate model: keep the bins finite and distinct
  const lo = h * mean - 6 * sd;
  const width = (12 * sd) / HISTOGRAM_BINS;
  const edges: number[] = [];
  for (let i = 0; i <= HISTOGRAM_BINS; i++) edges.push(lo + i * width);
  return { lo, width, edges };
}
