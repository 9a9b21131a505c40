// What the shards, the pilot and the attribution draw samples from: the Monte Carlo SampleGenerator
// (sample-generator.ts), or the scenario sampler of the hs/fhs models (scenario-sampler.ts) when the model carries
// scenarios. One interface, so the flow (plan → shards → tail merge → risk) is the same for every model.
import { SampleGenerator } from './sample-generator.ts';
import { ScenarioSampler } from './scenario-sampler.ts';
import type { FactorModel, SimulationSettings } from './types.ts';

export interface Sampler {
  /** columns of decompose(): the model's factors (the pseudo-factor "residual" included) */
  readonly k: number;
  /** sample i's h-day portfolio return */
  value(i: number): number;
  /** out[t] = value(start + t); `states` (when given) lets restore() regenerate sample start + t cheaply */
  fill(start: number, count: number, out: Float64Array, states?: Int32Array): void;
  restore(i: number, states: Int32Array, t: number): void;
  /** sample i split into per-factor contributions, the intercept and the residual (they sum to value(i)) */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number };
}

export function samplerFor(model: FactorModel, simulation: SimulationSettings): Sampler {
  return model.scenarios !== undefined ? new ScenarioSampler(model, simulation) : new SampleGenerator(model, simulation);
}
