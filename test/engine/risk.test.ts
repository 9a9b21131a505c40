import { describe, expect, it } from 'vitest';
import { analyticRisk, lgamma, reduceRisk, tPdf } from '../../lambdas/engine/risk.ts';
import { simulationSettings, buildRunResult } from '../../lambdas/engine/run.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { ExactSum } from '../../lambdas/engine/exact-sum.ts';
import { tailRanks } from '../../lambdas/engine/tail.ts';
import { planShards, SampleGenerator, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import { stressTest } from '../../lambdas/engine/stress.ts';
import { InputError, type FactorModel, type FitResult, type SimulationSettings } from '../../lambdas/engine/types.ts';
import { LEVELS, threeFactorModel } from '../support/models.ts';

const model = threeFactorModel;
const base: SimulationSettings = {
  simulations: 100_000, shards: 3, seed: 11, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
};
const confidence = LEVELS;
const rows = (r: { risk: Record<string, { attribution?: Record<string, { componentVar: number; componentEs: number }> }> }, c: number) => r.risk[String(c)].attribution!;
const reduce = (sim: SimulationSettings, options = {}) =>
  reduceRisk(planShards(model, sim, confidence).map((d) => simulateShardPacked(d)), model, sim, confidence, options);

describe('attribution', () => {
  for (const [name, sim] of [
    ['normal', base],
    ['t with intercept, residual, 3 days', { ...base, distribution: 't', df: 5, intercept: true, residual: 'normal', horizon: 3 }],
  ] as Array<[string, SimulationSettings]>) {
    it(`component VaR sums to analyticVar and component ES to es (${name})`, () => {
      const r = reduce(sim);
      const parts = Object.values(r.attribution);
      const level = r.risk['0.99'];
      expect(parts.reduce((s, p) => s + p.componentVar, 0)).toBeCloseTo(level.analyticVar, 14);
      expect(parts.reduce((s, p) => s + p.componentEs, 0)).toBeCloseTo(level.es, 13);
      expect(Object.keys(r.attribution)).toEqual(
        sim.intercept ? ['XLK', 'MTUM', 'VLUE', 'intercept', 'residual'] : ['XLK', 'MTUM', 'VLUE'],
      );
    });
  }

  for (const [name, sim] of [
    ['normal', base],
    ['normal + residual', { ...base, residual: 'normal' }],
    ['t + residual (quadrature κ\'s)', { ...base, distribution: 't', df: 5, residual: 'normal' }],
    ['t + residual, intercept, 3 days', { ...base, distribution: 't', df: 5, intercept: true, residual: 'normal', horizon: 3 }],
  ] as Array<[string, SimulationSettings]>) {
    it(`at every level the components sum to that level's analyticVar and es to 1e-12 (${name})`, () => {
      const r = reduce(sim);
      expect(r.attribution).toEqual(r.risk[String(confidence[0])].attribution);
      for (const c of confidence) {
        const level = r.risk[String(c)];
        const rows = level.attribution!;
        expect(Object.keys(rows)).toEqual(['XLK', 'MTUM', 'VLUE', ...(sim.intercept ? ['intercept'] : []), ...(sim.residual === 'normal' ? ['residual'] : [])]);
        const parts = Object.values(rows);
        const sumVar = parts.reduce((s, p) => s + p.componentVar, 0);
        const sumEs = parts.reduce((s, p) => s + p.componentEs, 0);
        expect(Math.abs(sumVar - level.analyticVar)).toBeLessThanOrEqual(1e-12 * Math.abs(level.analyticVar));
        expect(Math.abs(sumEs - level.es)).toBeLessThanOrEqual(1e-12 * Math.abs(level.es));
      }
      // the levels differ (each its own tail), and ES components grow outward
      expect(rows(r, 0.95).XLK.componentEs).not.toBe(rows(r, 0.99).XLK.componentEs);
    });
  }

  it('component ES at every level is the brute-force decomposition of its ⌈Nq⌉ smallest samples, for any split', () => {
    const sim: SimulationSettings = { ...base, simulations: 20_000, distribution: 't', df: 5, residual: 'normal', horizon: 2 };
    const gen = new SampleGenerator(model, sim);
    const samples = Array.from({ length: sim.simulations }, (_, i) => [gen.value(i), i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const f = new Float64Array(3);
    const byShards = [1, 4, 7].map((shards) => reduce({ ...sim, shards }));
    for (const c of confidence) {
      const k = tailRanks(sim.simulations, c).esCount;
      const sums = [new ExactSum(), new ExactSum(), new ExactSum(), new ExactSum()];
      for (const [, i] of samples.slice(0, k)) {
        const parts = gen.decompose(i, f);
        f.forEach((x, j) => sums[j].add(x));
        sums[3].add(parts.residual);
      }
      const want = { XLK: -sums[0].value() / k, MTUM: -sums[1].value() / k, VLUE: -sums[2].value() / k, residual: -sums[3].value() / k };
      for (const r of byShards) {
        const got = Object.fromEntries(Object.entries(rows(r, c)).map(([n, p]) => [n, p.componentEs]));
        expect(got).toEqual(want);
      }
    }
  });

  it('gives the hand-computed Euler components for one factor model', () => {
    const one: FactorModel = { factors: ['SPY'], beta: [2], alpha: 0, residualVariance: 0, mu: [0.001], cov: [[1e-4]] };
    const sim = { ...base, simulations: 1000, shards: 1 };
    const r = reduceRisk(planShards(one, sim, [0.99]).map((d) => simulateShardPacked(d)), one, sim, [0.99]);
    // VaR = −(2·0.001) + 2.3263478740408408·2·0.01
    expect(r.attribution.SPY.componentVar).toBeCloseTo(-0.002 + 2.3263478740408408 * 0.02, 14);
    expect(r.attribution.SPY.componentEs).toBeCloseTo(r.risk['0.99'].es, 14);
  });
});

describe('closed forms', () => {
  it('matches scipy for the Student-t (h = 1) and the normal h-day forms', () => {
    const one: FactorModel = { factors: ['SPY'], beta: [1], alpha: 0, residualVariance: 0, mu: [0.0005], cov: [[0.015 ** 2]] };
    const t = { ...base, distribution: 't' as const, df: 5 };
    // scipy.stats.t: VaR = −(m + s·t_q), ES = −(m − s (ν + t_q²)/(ν − 1) f(t_q)/q), s = sd·sqrt((ν − 2)/ν)
    const fixtures: Array<[number, number, number]> = [
      [0.99, 0.03859695354076486, 0.05123255140071779],
      [0.975, 0.02936746192981649, 0.04041703103916256],
      [0.95, 0.02291274636745001, 0.03308026385175461],
    ];
    for (const [c, v, es] of fixtures) {
      const a = analyticRisk(one, t, c);
      // @stdlib's t quantile and scipy's agree to ~1e-11
      expect(a.var).toBeCloseTo(v, 10);
      expect(a.es).toBeCloseTo(es, 10);
    }
    const normal3 = { ...base, horizon: 3 };
    const normalFixtures: Array<[number, number, number]> = [
      [0.99, 0.058940290708778674, 0.06774429664041016],
      [0.975, 0.04942135803342773, 0.0592378982125385],
      [0.95, 0.041234550793408424, 0.052090850760388524],
    ];
    for (const [c, v, es] of normalFixtures) {
      const a = analyticRisk(one, normal3, c);
      expect(a.var).toBeCloseTo(v, 13);
      expect(a.es).toBeCloseTo(es, 13);
    }
  });

  it('lgamma and the t density are accurate', () => {
    expect(lgamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13);
    expect(lgamma(10)).toBeCloseTo(Math.log(362880), 12);
    expect(tPdf(0, 1)).toBeCloseTo(1 / Math.PI, 14);
    expect(tPdf(1.5, 5)).toBeCloseTo(0.12451734464635515, 13); // scipy.stats.t.pdf(1.5, 5)
  });
});

describe('stress', () => {
  const two: FactorModel = {
    factors: ['XLK', 'TLT'], beta: [1.2, -0.5], alpha: 0.001, residualVariance: 1e-5, mu: [0.001, 0.0005],
    cov: [[4e-4, 1e-4], [1e-4, 9e-4]],
  };

  it('gives the hand-computed direct and conditional effects on a 2-factor model', () => {
    const s = stressTest(two, { XLK: -0.1 });
    expect(s.direct).toBeCloseTo(-0.12, 15);
    // E[TLT | XLK = −0.1] = 0.0005 + (1e-4 / 4e-4)(−0.1 − 0.001) = −0.02475
    expect(s.factors.TLT).toBeCloseTo(-0.02475, 15);
    expect(s.factors.XLK).toBe(-0.1);
    expect(s.conditional).toBeCloseTo(-0.12 + 0.5 * 0.02475, 15);
    const both = stressTest(two, { XLK: -0.1, TLT: 0.02 });
    expect(both.conditional).toBeCloseTo(both.direct, 15);
    expect(both.direct).toBeCloseTo(-0.12 - 0.01, 15);
  });

  it('names an unknown factor in an InputError', () => {
    expect(() => stressTest(two, { VIX: 0.5 })).toThrow(InputError);
    expect(() => stressTest(two, { VIX: 0.5 })).toThrow(/unknown factor "VIX"/);
  });

  it('runs the shocks of a reduction and scales money by value', () => {
    const r = reduce(base, { value: 2_000_000, shocks: [{ XLK: -0.1 }, { MTUM: 0.05, VLUE: -0.02 }] });
    expect(r.stress).toHaveLength(2);
    expect(r.stress[0]).toEqual(stressTest(model, { XLK: -0.1 }));
    expect(r.risk['0.975'].esValue).toBeCloseTo(2_000_000 * r.risk['0.975'].es, 8);
  });
});

describe('run result', () => {
  it('maps settings to simulation settings and builds the run JSON', () => {
    const settings = parseSettings({ simulations: 5000, distribution: 't', df: 7, value: 1e6, shocks: [{ XLK: -0.1 }] });
    const sim = simulationSettings(settings);
    expect(sim).toEqual({ simulations: 5000, shards: 1, seed: 20240430, distribution: 't', df: 7, residual: 'none', intercept: false, horizon: 1 });
    expect(simulationSettings(parseSettings({ df: 7 })).df).toBeNull();
    const reduced = reduce({ ...sim, simulations: 5000 }, { shocks: settings.shocks });
    const fit = { observations: 333, selected: ['XLK', 'MTUM', 'VLUE'], full: {}, final: {} } as unknown as FitResult;
    const run = buildRunResult(fit, model, settings, reduced, { simulateMs: 1 });
    expect(run).toMatchObject({ observations: 333, model, simulation: sim, value: 1e6, timings: { simulateMs: 1 } });
    expect(run.risk).toBe(reduced.risk);
  });
});
