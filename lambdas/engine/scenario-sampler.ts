// The sampler of the scenario models (hs, fhs): the model carries L equally likely whole-day scenarios as columns
// (model.scenarios[j][s], aligned with model.factors: the factors' returns — re-volatilized for fhs — and the
// pseudo-factor "residual" with β 1), and a day's return is x_s = Σ_j β_j·scenarios[j][s], summed in factor order
// (the same expression hs.ts/fhs.ts forecast with, so the run and the backtest agree to the bit).
// - horizon 1: sample i IS scenario i (simulations = L, no random number): the run's tail is the exact enumeration.
// - horizon h > 1: sample i is the sum of h days drawn iid and uniformly from the L scenarios (whole days, so the
//   factors' joint move is kept; fhs's days stay at today's volatility). Draw order (the reproducibility contract):
//   sample i's own stream (rng.ts seedSample(i)) draws U_1 … U_h in day order, each uniform on [0, L) by rejection
//   from 32-bit outputs (exactly uniform). A function of (seed, i) only: no block is replayed, any split gives the
//   same samples.
import { ExactSum } from './exact-sum.ts';
import { SampleStream } from './rng.ts';
import type { TailMarks } from './tail-marks.ts';
import { tailRanks } from './tail-ranks.ts';
import type { FactorModel, SimulationSettings } from './types.ts';

/** x_s = Σ_j β_j·columns[j][s] for every scenario s: the one expression of a scenario day's return. */
export function scenarioReturns(columns: ArrayLike<number>[], beta: readonly number[]): Float64Array {
  const L = columns.length > 0 ? columns[0].length : 0;
  const out = new Float64Array(L);
  for (let s = 0; s < L; s++) out[s] = dayReturn(columns, beta, s);
  return out;
}

function dayReturn(columns: ArrayLike<number>[], beta: readonly number[], s: number): number {
  let r = 0;
  for (let j = 0; j < columns.length; j++) r += beta[j] * columns[j][s];
  return r;
}

export class ScenarioSampler {
  readonly k: number;
  /** L, the number of scenarios */
  readonly days: number;
  private readonly columns: number[][];
  private readonly beta: number[];
  private readonly returns: Float64Array;
  private readonly stream: SampleStream;
  private readonly horizon: number;
  /** rejection bound: the largest multiple of L not above 2^32 */
  private readonly limit: number;
  private readonly picks: Int32Array;

  constructor(
    readonly model: FactorModel,
    readonly simulation: SimulationSettings,
  ) {
    const cols = model.scenarios;
    if (!cols || cols.length !== model.factors.length || cols.length === 0) throw new Error('scenario model: one scenario column per factor needed');
    this.k = cols.length;
    this.days = cols[0].length;
    if (!(this.days >= 1) || cols.some((c) => c.length !== this.days)) throw new Error('scenario model: columns differ in length');
    this.columns = cols;
    this.beta = model.beta;
    this.returns = scenarioReturns(cols, model.beta);
    this.horizon = simulation.horizon;
    if (!Number.isInteger(this.horizon) || this.horizon < 1) throw new Error('horizon must be a positive integer');
    if (this.horizon === 1 && simulation.simulations !== this.days) {
      throw new Error(`scenario model: a one-day run enumerates its ${this.days} scenarios, not ${simulation.simulations} samples`);
    }
    this.stream = new SampleStream(simulation.seed);
    this.limit = 2 ** 32 - (2 ** 32 % this.days);
    this.picks = new Int32Array(this.horizon);
  }

  /** Sample i's scenario days (this.picks[0 … h)). */
  private pick(i: number): void {
    if (this.horizon === 1) {
      this.picks[0] = i;
      return;
    }
    const s = this.stream;
    s.seedSample(i);
    const L = this.days;
    for (let d = 0; d < this.horizon; d++) {
      let u = s.nextInt() >>> 0;
      while (u >= this.limit) u = s.nextInt() >>> 0;
      this.picks[d] = u % L;
    }
  }

  value(i: number): number {
    this.pick(i);
    let r = 0;
    for (let d = 0; d < this.horizon; d++) r += this.returns[this.picks[d]];
    return r;
  }

  fill(start: number, count: number, out: Float64Array, marks?: TailMarks): void {
    const top = marks === undefined ? -Infinity : marks.top;
    for (let t = 0; t < count; t++) {
      const x = this.value(start + t);
      out[t] = x;
      if (x < top) marks!.push(start + t, 0, 0, 0, 0); // samples are stateless functions of their index
    }
  }

  regenerate(marks: TailMarks, t: number, factors: Float64Array): number {
    return this.decompose(marks.indices[t], factors).residual;
  }

  /** β_j Σ_d scenarios[j][U_d] per column (the residual is the pseudo-factor column; no separate residual part). */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number } {
    this.pick(i);
    factors.fill(0);
    for (let d = 0; d < this.horizon; d++) {
      const s = this.picks[d];
      for (let j = 0; j < this.k; j++) factors[j] += this.beta[j] * this.columns[j][s];
    }
    return { intercept: 0, residual: 0 };
  }
}

/** The exact one-day risk of a scenario model at one level, with each column's share of VaR. */
export interface EnumeratedRisk {
  var: number;
  es: number;
  /** componentVar_j = −(β_j·scenarios[j] at the VaR's interpolated order statistic): Σ_j = var up to rounding */
  components: number[];
}

/**
 * VaR and ES of the L equally likely scenarios with the run's conventions (numpy's linear percentile at (L−1)q, ES the
 * exactly summed ⌈Lq⌉ smallest, rounded once: the same numbers the tail merge gives for samples = scenarios). The VaR
 * scenario's decomposition is its Euler allocation: an empirical quantile moves with the scenario it sits on.
 */
export function enumeratedRisk(model: FactorModel, confidence: number): EnumeratedRisk {
  const cols = model.scenarios!;
  const x = scenarioReturns(cols, model.beta);
  const L = x.length;
  // ascending by value, ties by index: a total order, so the VaR scenario is well defined
  const order = Array.from({ length: L }, (_, s) => s).sort((a, b) => x[a] - x[b] || a - b);
  const r = tailRanks(L, confidence);
  const lo = order[r.lower];
  const hi = order[r.upper];
  const lerp = (a: number, b: number): number => {
    const diff = b - a;
    return r.frac >= 0.5 ? b - diff * (1 - r.frac) : a + diff * r.frac;
  };
  const sum = new ExactSum();
  for (let i = 0; i < r.esCount; i++) sum.add(x[order[i]]);
  return {
    var: -lerp(x[lo], x[hi]),
    es: -sum.value() / r.esCount,
    components: cols.map((c, j) => -lerp(model.beta[j] * c[lo], model.beta[j] * c[hi])),
  };
}
