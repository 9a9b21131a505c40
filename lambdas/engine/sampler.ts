// What the shards, the pilot and the attribution draw samples from: the Monte Carlo SampleGenerator
// (sample-generator.ts), or the scenario sampler of the hs/fhs models (scenario-sampler.ts) when the model carries
// scenarios. One interface, so the flow (plan → shards → tail merge → risk) is the same for every model.
import { SampleGenerator } from './sample-generator.ts';
import { ScenarioSampler } from './scenario-sampler.ts';
import type { TailMarks } from './tail-marks.ts';
import type { FactorModel, SimulationSettings } from './types.ts';

export interface Sampler {
  /** columns of decompose(): the model's factors (the pseudo-factor "residual" included) */
  readonly k: number;
  /** sample i's h-day portfolio return */
  value(i: number): number;
  /** out[t] = value(start + t); with `marks`, the samples below marks.top are appended to it (see regenerate) */
  fill(start: number, count: number, out: Float64Array, marks?: TailMarks): void;
  /** decompose(marks.indices[t]) from what fill() recorded (no replay): factors into `factors`, returns the residual */
  regenerate(marks: TailMarks, t: number, factors: Float64Array): number;
  /** sample i split into per-factor contributions, the intercept and the residual (they sum to value(i)) */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number };
}

export function samplerFor(model: FactorModel, simulation: SimulationSettings): Sampler {
  return model.scenarios !== undefined ? new ScenarioSampler(model, simulation) : new SampleGenerator(model, simulation);
}
