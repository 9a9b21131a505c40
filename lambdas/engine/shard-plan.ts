// How a run is cut into shards, and the return law pass 1's brackets come from (closed form, else a pilot).
import { dailyMoments } from './return-moments.ts';
import { BLOCK } from './rng.ts';
import { samplerFor } from './sampler.ts';
import { planSelection, type ReturnLaw } from './selection.ts';
import type { FactorModel, ShardDescriptor, SimulationSettings } from './types.ts';

/**
 * Contiguous ranges covering [0, N): shard s starts at ⌊sN/S⌋, rounded down to a block edge when shards hold at least
 * a block (rng.ts BLOCK). Every shard runs the same pass-1 selection
 * (selection.ts: value brackets around the needed ranks from the model's quantiles).
 */
export function planShards(model: FactorModel, simulation: SimulationSettings, confidence: number[], runId?: string): ShardDescriptor[] {
  const n = simulation.simulations;
  const shards = Math.min(simulation.shards, n);
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`simulations must be in [1, 2^32], got ${n}`);
  if (!Number.isSafeInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${simulation.shards}`);
  const selection = planSelection(n, confidence, returnLaw(model, simulation));
  const out: ShardDescriptor[] = [];
  // shards of at least a block start on block edges, so no shard replays part of another's block
  const align = n / shards >= BLOCK ? BLOCK : 1;
  const edge = (s: number): number => (s === shards ? n : align * Math.floor(Math.floor((s * n) / shards) / align));
  for (let s = 0; s < shards; s++) {
    const start = edge(s);
    const end = edge(s + 1);
    const d: ShardDescriptor = { shard: s, start, end, simulations: n, model, simulation, selection };
    if (runId !== undefined) d.runId = runId;
    out.push(d);
  }
  return out;
}

/**
 * Samples in the pilot that stands in for a quantile function the model lacks: N/64 within [2^18, 2^24], so its
 * brackets stay a small fraction of N (≈ 1.8·10^6 pairs at N = 10^9) for a pilot of at most 2.5 s and 128 MB in Fit.
 */
export function pilotSamples(simulations: number): number {
  return Math.min(simulations, Math.max(2 ** 18, Math.min(2 ** 24, Math.ceil(simulations / 64))));
}

/**
 * The h-day return's law for pass 1's brackets: normal in closed form for distribution 'normal' (any horizon, residual,
 * intercept: a sum of normals); the covariance-scaled Student-t for 't' with h = 1 and no residual; otherwise the
 * sorted first pilotSamples(N) samples of the run itself.
 */
export function returnLaw(model: FactorModel, simulation: SimulationSettings): ReturnLaw {
  const { mean, variance } = dailyMoments(model, simulation);
  const h = simulation.horizon;
  // the scenario models (hs, fhs) are no normal law: their pilot is the run itself (all L scenarios at one day)
  if (simulation.distribution === 'normal' && model.scenarios === undefined) return { kind: 'normal', mean: h * mean, sd: Math.sqrt(h * variance) };
  if (h === 1 && simulation.residual === 'none' && simulation.df !== null) return { kind: 't', mean, sd: Math.sqrt(variance), df: simulation.df };
  const pilot = new Float64Array(pilotSamples(simulation.simulations));
  samplerFor(model, simulation).fill(0, pilot.length, pilot);
  return { kind: 'pilot', sorted: pilot.sort() };
}
