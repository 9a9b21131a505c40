import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import { analyticRisk, reduceRisk } from '../../lambdas/engine/risk.ts';
import { planShards, SampleGenerator, simulateShard, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import { neededTail, tailRanks } from '../../lambdas/engine/tail.ts';
import type { FactorModel, SimulationSettings } from '../../lambdas/engine/types.ts';

// close to the sample model's three factors (XLK, MTUM, VLUE) fitted on 2023-01..2024-04
export const model: FactorModel = {
  factors: ['XLK', 'MTUM', 'VLUE'],
  beta: [0.9, 0.2, 0.15],
  alpha: 0.0002,
  residualVariance: 4e-5,
  mu: [0.0012, 0.0006, 0.0004],
  cov: [
    [1.6e-4, 8e-5, 5e-5],
    [8e-5, 1.0e-4, 4e-5],
    [5e-5, 4e-5, 8e-5],
  ],
};
const confidence = [0.99, 0.975, 0.95];
const normal: SimulationSettings = {
  simulations: 1_000_000, shards: 1, seed: 20240430, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
};

function runInProcess(sim: SimulationSettings, levels = confidence) {
  const partials = planShards(model, sim, levels).map((d) => simulateShardPacked(d));
  return reduceRisk(partials, model, { ...sim, shards: 1 }, levels, { value: 1_000_000 });
}

describe('simulateShard', () => {
  it('keeps exactly the smallest samples of its range, ascending, with their indices (brute force)', () => {
    const sim = { ...normal, simulations: 20_000, distribution: 't' as const, df: 5, residual: 'normal' as const, horizon: 3 };
    const [d] = planShards(model, { ...sim, shards: 3 }, [0.95]).slice(1, 2);
    const small = { ...d, tailSize: 150 }; // forces many buffer compactions
    const p = simulateShard(small);
    const gen = new SampleGenerator(model, sim);
    const all: Array<[number, number]> = [];
    let sum = 0;
    for (let i = d.start; i < d.end; i++) {
      const v = gen.value(i);
      all.push([v, i]);
      sum += v;
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(p.values).toEqual(all.slice(0, 150).map((x) => x[0]));
    expect(p.indices).toEqual(all.slice(0, 150).map((x) => x[1]));
    expect(p.count).toBe(d.end - d.start);
    expect(p.sum).toBe(sum);
  });

  it('fill() (the inlined normal hot loop) is bit-identical to value() for every configuration', () => {
    const configs: Array<Partial<SimulationSettings>> = [
      {},
      { residual: 'normal' },
      { intercept: true, residual: 'normal' },
      { horizon: 3, residual: 'normal', seed: 2 ** 40 + 3 },
      { distribution: 't', df: 5, residual: 'normal', horizon: 2 },
    ];
    for (const cfg of configs) {
      const gen = new SampleGenerator(model, { ...normal, ...cfg });
      // a range crossing 2^32 (the upper index word changes mid-chunk) and one from 0
      for (const start of [0, 2 ** 32 - 20_000]) {
        const n = cfg.distribution === 't' ? 5_000 : 50_000;
        const out = new Float64Array(n);
        gen.fill(start, n, out);
        let mismatches = 0;
        for (let t = 0; t < n; t++) if (!Object.is(out[t], gen.value(start + t))) mismatches++;
        expect(mismatches).toBe(0);
      }
    }
  });

  it('regenerates a sample identically in value() and decompose()', () => {
    const gen = new SampleGenerator(model, { ...normal, distribution: 't', df: 4.5, residual: 'normal', intercept: true, horizon: 4 });
    const f = new Float64Array(3);
    for (const i of [0, 1, 17, 123_456_789, 2 ** 32 - 1]) {
      const parts = gen.decompose(i, f);
      expect(f[0] + f[1] + f[2] + parts.intercept + parts.residual).toBeCloseTo(gen.value(i), 14);
    }
  });

  it('plans contiguous shards covering [0, N)', () => {
    const plan = planShards(model, { ...normal, simulations: 1001, shards: 7 }, confidence, 'r1');
    expect(plan[0].start).toBe(0);
    for (let s = 1; s < plan.length; s++) expect(plan[s].start).toBe(plan[s - 1].end);
    expect(plan[6].end).toBe(1001);
    expect(plan.every((d) => d.runId === 'r1' && d.tailSize === Math.min(d.end - d.start, neededTail(1001, confidence)))).toBe(true);
  });
});

describe('Monte Carlo against closed forms (N = 10^6)', () => {
  it('normal model: VaR within 4 standard errors of analyticVar and ES within 4 of its asymptotic SE, every level', () => {
    const r = runInProcess(normal);
    for (const c of confidence) {
      const level = r.risk[String(c)];
      const q = tailRanks(1, c).q;
      expect(Math.abs(level.var - level.analyticVar)).toBeLessThan(4 * level.standardError);
      // asymptotic SE of the ES estimator: sqrt([Var(R | tail) + (1 − q)(ES − VaR)²] / (Nq))
      const an = analyticRisk(model, normal, c);
      const z = normalQuantile(q, 0, 1);
      const lambda = normalPdf(z, 0, 1) / q;
      const tailVar = an.sd ** 2 * (1 - z * lambda - lambda * lambda); // Var(R | R ≤ quantile), truncated normal
      const esSe = Math.sqrt((tailVar + (1 - q) * (an.es - an.var) ** 2) / (1_000_000 * q));
      expect(Math.abs(level.es - level.analyticEs)).toBeLessThan(4 * esSe);
      // the order-statistic SE agrees with the asymptotic sqrt(q(1−q)/N)/f(quantile) within 10%
      const asymptotic = Math.sqrt((q * (1 - q)) / 1_000_000) / (normalPdf(z, 0, 1) / an.sd);
      expect(level.standardError / asymptotic).toBeGreaterThan(0.9);
      expect(level.standardError / asymptotic).toBeLessThan(1.1);
      expect(level.varValue).toBeCloseTo(1_000_000 * level.var, 6);
    }
  });

  it('normal model with intercept, residual and a 5-day horizon matches its closed form', () => {
    const sim = { ...normal, simulations: 300_000, intercept: true, residual: 'normal' as const, horizon: 5 };
    const level = runInProcess(sim, [0.99]).risk['0.99'];
    const m = 0.9 * 0.0012 + 0.2 * 0.0006 + 0.15 * 0.0004 + 0.0002;
    let v = 4e-5;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += model.beta[i] * model.cov[i][j] * model.beta[j];
    expect(level.analyticVar).toBeCloseTo(-(5 * m + Math.sqrt(5 * v) * normalQuantile(0.01, 0, 1)), 14);
    expect(Math.abs(level.var - level.analyticVar)).toBeLessThan(4 * level.standardError);
  });

  it('t model (h = 1): VaR within 4 standard errors of the Student-t closed form', () => {
    const sim = { ...normal, simulations: 400_000, distribution: 't' as const, df: 5 };
    const r = runInProcess(sim);
    for (const c of confidence) {
      const level = r.risk[String(c)];
      expect(Math.abs(level.var - level.analyticVar)).toBeLessThan(4 * level.standardError);
    }
  });

  it('t factors have covariance Σ and fatter tails (kurtosis > 3)', () => {
    const gen = new SampleGenerator(model, { ...normal, distribution: 't', df: 6 });
    const n = 300_000;
    const f = new Float64Array(3);
    const sums = new Float64Array(3);
    const cross = new Float64Array(9);
    const port: number[] = [];
    for (let i = 0; i < n; i++) {
      gen.factorDay(i, f);
      for (let a = 0; a < 3; a++) {
        sums[a] += f[a];
        for (let b = 0; b < 3; b++) cross[a * 3 + b] += f[a] * f[b];
      }
      port.push(gen.value(i));
    }
    for (let a = 0; a < 3; a++) {
      expect(sums[a] / n).toBeCloseTo(model.mu[a], 4);
      for (let b = 0; b < 3; b++) {
        const cov = cross[a * 3 + b] / n - (sums[a] / n) * (sums[b] / n);
        expect(Math.abs(cov / model.cov[a][b] - 1)).toBeLessThan(0.06);
      }
    }
    const mean = port.reduce((s, v) => s + v, 0) / n;
    let m2 = 0, m4 = 0;
    for (const v of port) {
      m2 += (v - mean) ** 2;
      m4 += (v - mean) ** 4;
    }
    const kurtosis = (m4 / n) / (m2 / n) ** 2;
    expect(kurtosis).toBeGreaterThan(4); // theory for ν = 6: 3 + 6/(ν − 4) = 6
  });
});
