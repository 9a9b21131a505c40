// garch-t over several days: each sample follows its own GARCH(1,1) path (garch-path.ts). Checked against closed
// forms of the recursion (the h-day variance Σ_d E[σ²_d]; E[r₁²r₂²] = ωσ²₁ + αE[r₁⁴] + βσ⁴₁, which iid days miss),
// against the one-day model bit for bit (day 1, and a path whose variance cannot move), and for shard and worker
// invariance of the run's numbers.
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import { runShards } from '../../bin/cli/pool.ts';
import { GarchPath, horizonVarianceFactor } from '../../lambdas/engine/garch-path.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { analyticMoments } from '../../lambdas/report/distribution-chart.ts';
import { planShards, SampleGenerator, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import { neededTail, TailMerger } from '../../lambdas/engine/tail.ts';
import type { FactorModel, SimulationSettings } from '../../lambdas/engine/types.ts';

const LEVELS = [0.99, 0.975, 0.95];
// σ²₁ four times the long-run variance ω/(1 − α − β) = 4e-5: the path decays towards it over the horizon
const OMEGA = 2e-6;
const ALPHA = 0.1;
const BETA = 0.85;
const FIRST = 1.6e-4;

/** One factor with β 1 and variance σ²₁: a sample's day d is the factor's day-d return r_d. */
const oneFactor: FactorModel = { factors: ['X'], beta: [1], alpha: 0, residualVariance: 0, mu: [0], cov: [[FIRST]] };

function garch(horizon: number, df: number, extra: Partial<SimulationSettings> = {}): SimulationSettings {
  return {
    simulations: 100_000, shards: 1, seed: 99, distribution: 't', df, residual: 'none', intercept: false, horizon,
    model: 'garch-t', parameters: { omega: OMEGA, alpha: ALPHA, beta: BETA, df, variance: FIRST }, ...extra,
  };
}

/** Σ_{d<h} E[σ²_d] by the forecast recursion, written out independently of garch-path.ts. */
function expectedSum(h: number): number {
  const longRun = OMEGA / (1 - ALPHA - BETA);
  let s = 0;
  for (let d = 0; d < h; d++) s += longRun + (ALPHA + BETA) ** d * (FIRST - longRun);
  return s;
}

describe('GARCH(1,1)-t paths over h days', () => {
  it('the recursion: day 1 is unscaled, day d follows σ²_d = ω + α r²_{d−1} + β σ²_{d−1} of the simulated days', () => {
    const p = new GarchPath(OMEGA, ALPHA, BETA, FIRST);
    p.start();
    expect(p.next(0.02)).toBe(1);
    const s2 = OMEGA + ALPHA * 0.02 ** 2 + BETA * FIRST;
    expect(p.next(-0.01)).toBeCloseTo(Math.sqrt(s2 / FIRST), 15);
    const r2 = Math.sqrt(s2 / FIRST) * -0.01;
    const s3 = OMEGA + ALPHA * r2 * r2 + BETA * s2;
    expect(p.next(0.005)).toBeCloseTo(Math.sqrt(s3 / FIRST), 15);
    p.start(); // a new sample starts again from σ²₁
    expect(p.next(0.3)).toBe(1);
    expect(horizonVarianceFactor(garch(10, 8))).toBeCloseTo(expectedSum(10) / FIRST, 12);
    expect(horizonVarianceFactor(garch(1, 8))).toBe(1);
  });

  it('h = 1 is the one-day model bit for bit; a path whose variance cannot move (α 0, β 1, ω 0) is iid t days bit for bit', () => {
    const oneDay = new SampleGenerator(oneFactor, garch(1, 8));
    const plainT = new SampleGenerator(oneFactor, { ...garch(1, 8), model: 't' });
    const frozen = new SampleGenerator(oneFactor, { ...garch(5, 8), parameters: { omega: 0, alpha: 0, beta: 1, df: 8, variance: FIRST } });
    const iid = new SampleGenerator(oneFactor, { ...garch(5, 8), model: 't' });
    const a = new Float64Array(3000);
    const b = new Float64Array(3000);
    oneDay.fill(0, a.length, a);
    plainT.fill(0, b.length, b);
    expect(a).toEqual(b);
    frozen.fill(0, a.length, a);
    iid.fill(0, b.length, b);
    expect(a).toEqual(b);
  });

  it('the simulated 10-day variance is Σ_d E[σ²_d] of the forecast recursion (not 10·σ²₁), within 4 standard errors', () => {
    const gen = new SampleGenerator(oneFactor, garch(10, 8));
    const n = 100_000;
    const x = new Float64Array(n);
    gen.fill(0, n, x);
    let m2 = 0;
    let m4 = 0;
    for (const v of x) {
      m2 += v * v;
      m4 += v ** 4;
    }
    m2 /= n; // the mean is 0 by construction: the second moment is the variance
    m4 /= n;
    const se = Math.sqrt((m4 - m2 * m2) / n);
    const exact = expectedSum(10);
    expect(Math.abs(m2 - exact)).toBeLessThan(4 * se);
    // iid days at σ²₁ would be 10·σ²₁: the test can tell them apart
    expect(Math.abs(10 * FIRST - exact)).toBeGreaterThan(10 * se);
  });

  it('day 2 depends on the simulated day 1: E[r₁²r₂²] = ωσ²₁ + αE[r₁⁴] + βσ⁴₁ within 4 standard errors (iid days are far off)', () => {
    const nu = 12;
    const gen = new SampleGenerator(oneFactor, garch(2, nu));
    const kurtosis = 3 + 6 / (nu - 4); // of a unit-variance t_ν
    const exact = OMEGA * FIRST + ALPHA * kurtosis * FIRST * FIRST + BETA * FIRST * FIRST;
    const iid = FIRST * (OMEGA + (ALPHA + BETA) * FIRST); // E[r₁²]·E[r₂²] without the dependence
    const n = 100_000;
    const day = new Float64Array(1);
    let s = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      gen.factorDay(i, day, 0);
      const r1 = day[0];
      gen.factorDay(i, day, 1);
      const y = r1 * r1 * day[0] * day[0];
      s += y;
      ss += y * y;
    }
    const mean = s / n;
    const se = Math.sqrt((ss / n - mean * mean) / n);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
    expect(Math.abs(iid - exact)).toBeGreaterThan(8 * se);
  });

  it('the run: the same numbers for shards 1 and 5 and workers 0 and 2; component ES sums to ES; labelled an approximation', async () => {
    const model: FactorModel = {
      factors: ['XLK', 'MTUM', 'residual'], beta: [0.9, 0.2, 1], alpha: 0, residualVariance: 2e-5, mu: [0, 0, 0],
      cov: [[1.6e-4, 8e-5, 0], [8e-5, 1e-4, 0], [0, 0, 2e-5]],
    };
    const k = model.beta.length;
    let variance = 0;
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) variance += model.beta[i] * model.cov[i][j] * model.beta[j];
    const sim = garch(10, 6, { simulations: 30_000, parameters: { omega: OMEGA, alpha: ALPHA, beta: BETA, df: 6, variance } });
    const inProcess = (shards: number) => {
      const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, LEVELS));
      for (const d of planShards(model, { ...sim, shards }, LEVELS)) merger.add(simulateShardPacked(d));
      return reduceRisk(merger, model, sim, LEVELS);
    };
    const one = inProcess(1);
    expect(inProcess(5).risk).toEqual(one.risk);
    const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, LEVELS));
    await runShards(planShards(model, { ...sim, shards: 4 }, LEVELS), merger, { workers: 2 });
    expect(reduceRisk(merger, model, sim, LEVELS).risk).toEqual(one.risk);
    for (const c of LEVELS) {
      const r = one.risk[String(c)];
      expect(r.analytic).toBe('approximation');
      const es = Object.values(r.attribution!).reduce((s, a) => s + a.componentEs, 0);
      expect(Math.abs(es - r.es)).toBeLessThan(1e-14);
      // the normal approximation has the path's exact h-day variance
      const sd = Math.sqrt(variance * horizonVarianceFactor(sim));
      expect(Math.abs(r.analyticVar / (-normalQuantile(1 - c, 0, 1) * sd) - 1)).toBeLessThan(1e-12);
      // and the report's distribution chart draws that law
      expect(Math.abs(analyticMoments(model, sim).sd / sd - 1)).toBeLessThan(1e-12);
    }
  });
});
