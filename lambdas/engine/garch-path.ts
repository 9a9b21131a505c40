// GARCH(1,1) paths over a multi-day horizon (model garch-t, h > 1): each sample's day d has the variance
//   σ²_d = ω + α·r²_{d−1} + β·σ²_{d−1},   σ²_1 = the forecast day's variance,
// driven by that sample's own simulated previous day r_{d−1}, with unit-variance Student-t innovations. The sample
// generator draws every day exactly as for iid t days (same draws, same order: z_R,d then W_d, sample-generator.ts) at
// the first day's scale σ_1; this path turns day d's draw x_d into r_d = (σ_d/σ_1)·x_d and moves σ² on. Day 1's
// multiplier is exactly 1, so day 1 (and a one-day run) is the one-day model bit for bit.
import type { SimulationSettings } from './types.ts';

export class GarchPath {
  private s2 = 0;
  private day = 0;

  /** omega, alpha, beta of the GARCH recursion; first = σ²_1, the variance the generator's day-1 draws have */
  constructor(
    readonly omega: number,
    readonly alpha: number,
    readonly beta: number,
    readonly first: number,
  ) {
    if (!(first > 0)) throw new RangeError(`GARCH path: the first day's variance must be positive, got ${first}`);
  }

  /** A new sample: day 1 next. */
  start(): void {
    this.s2 = this.first;
    this.day = 0;
  }

  /** The multiplier σ_d/σ_1 of the next day, whose draw at σ_1 is x; records r_d = multiplier·x for the day after. */
  next(x: number): number {
    const m = this.day === 0 ? 1 : Math.sqrt(this.s2 / this.first);
    const r = m * x;
    this.s2 = this.omega + this.alpha * r * r + this.beta * this.s2;
    this.day++;
    return m;
  }
}

/** The path of a simulation when it has one (garch-t over h > 1 days), with σ²_1 = `first`. */
export function garchPathOf(simulation: SimulationSettings, first: number): GarchPath | undefined {
  if (simulation.model !== 'garch-t' || simulation.horizon === 1) return undefined;
  const p = simulation.parameters;
  if (p?.omega === undefined || p.alpha === undefined || p.beta === undefined) throw new Error('garch-t over several days needs its omega, alpha and beta');
  return new GarchPath(p.omega, p.alpha, p.beta, first);
}

/**
 * The h-day return's variance in units of one day's: h for iid days; for a GARCH path Σ_d E[σ²_d]/σ²_1 with
 * E[σ²_{d+1}] = ω + (α + β)·E[σ²_d] (the returns are uncorrelated, E[r²_d] = E[σ²_d]). The closed-form moments, the
 * histogram bins and the normal approximation scale by its square root.
 */
export function horizonVarianceFactor(simulation: SimulationSettings): number {
  const h = simulation.horizon;
  if (simulation.model !== 'garch-t' || h === 1) return h;
  const p = simulation.parameters!;
  let e = p.variance;
  let sum = 0;
  for (let d = 0; d < h; d++) {
    sum += e;
    e = p.omega + (p.alpha + p.beta) * e;
  }
  return sum / p.variance;
}
