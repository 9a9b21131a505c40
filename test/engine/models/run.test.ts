// The run side of the models: what each model simulates, its exact closed form next to the Monte Carlo number, and
// Euler components that sum to the model's own VaR (residual row included).
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../../lambdas/engine/config.ts';
import { forecastDay } from '../../../lambdas/engine/models/index.ts';
import { bootstrapVar } from '../../../lambdas/engine/models/bootstrap.ts';
import { prepareModelRun } from '../../../lambdas/engine/models/run.ts';
import { MAX_SCENARIO_NUMBERS } from '../../../lambdas/engine/models/types.ts';
import { analyticRisk, reduceRisk } from '../../../lambdas/engine/risk.ts';
import { scenarioReturns, ScenarioSampler } from '../../../lambdas/engine/scenario-sampler.ts';
import { simulationSettings } from '../../../lambdas/engine/run.ts';
import { planShards, simulateShardPacked } from '../../../lambdas/engine/simulate.ts';
import { neededTail, TailMerger } from '../../../lambdas/engine/tail.ts';
import type { FactorModel, SimulationSettings } from '../../../lambdas/engine/types.ts';
import { expectRelative, loadCase } from './fixture.ts';

const LEVELS = [0.99, 0.975, 0.95];

async function prepared(model: string, extra: Record<string, unknown> = {}) {
  const { fx, history, fitted, at } = await loadCase('tech11');
  const settings = parseSettings({ model, simulations: 200_000, seed: 11, ...extra });
  // the window's FactorModel as factorModel() builds it (μ and Σ are only used by "normal")
  const base: FactorModel = { factors: fx.factors, beta: fx.beta, alpha: fx.alpha, residualVariance: fx.residualVariance, mu: [0, 0, 0], cov: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
  const h = at(fitted.fitEnd);
  return { fx, history, fitted, h, ...prepareModelRun(settings, base, simulationSettings(settings), h, fitted) };
}

function monteCarlo(model: FactorModel, simulation: SimulationSettings) {
  const merger = new TailMerger(simulation.simulations, neededTail(simulation.simulations, LEVELS));
  for (const d of planShards(model, simulation, LEVELS)) merger.add(simulateShardPacked(d));
  return reduceRisk(merger, model, simulation, LEVELS);
}

/** Σ_j componentVar_j from the closed form's Euler coefficients. */
function eulerSum(model: FactorModel, simulation: SimulationSettings, c: number): number {
  const an = analyticRisk(model, simulation, c);
  const k = model.factors.length;
  let sum = simulation.residual === 'normal' ? an.residualKappa * model.residualVariance : 0;
  for (let j = 0; j < k; j++) {
    let sb = 0;
    for (let i = 0; i < k; i++) sb += model.cov[j][i] * model.beta[i];
    sum += -simulation.horizon * model.beta[j] * model.mu[j] + an.factorKappa * model.beta[j] * sb;
  }
  if (simulation.intercept) sum -= simulation.horizon * model.alpha;
  return sum;
}

describe('models in the run', () => {
  it('t: analyticVar/Es are the quadrature (= scipy.quad to 1e-8), Euler components sum to it at every level, MC within 3 SE', async () => {
    const { fx, model, simulation } = await prepared('t');
    expect(simulation).toMatchObject({ model: 't', distribution: 't', residual: 'normal' });
    const mc = monteCarlo(model, simulation);
    for (const c of LEVELS) {
      const k = String(c);
      const r = mc.risk[k];
      expect(r.analytic).toBe('exact');
      expectRelative(r.analyticVar, fx.t.var[k], 1e-8, `t VaR ${k}`);
      expectRelative(r.analyticEs, fx.t.es[k], 1e-8, `t ES ${k}`);
      expect(Math.abs(eulerSum(model, simulation, c) - r.analyticVar)).toBeLessThan(1e-12);
      expect(Math.abs(r.var - r.analyticVar)).toBeLessThan(3 * r.standardError);
    }
    const parts = Object.values(mc.attribution).reduce((s, a) => s + a.componentVar, 0);
    expect(Object.keys(mc.attribution)).toEqual([...fx.factors, 'residual']);
    expect(Math.abs(parts - mc.risk['0.99'].analyticVar)).toBeLessThan(1e-12);
  });

  it('t over 10 days: no closed form, so the normal one is labelled an approximation', async () => {
    const { model, simulation } = await prepared('t', { horizon: 10 });
    expect(analyticRisk(model, simulation, 0.99).exact).toBe(false);
  });

  it('ewma, ewma-t, garch-t: the simulated model has the forecast of the day after the window as its exact closed form', async () => {
    for (const name of ['ewma', 'ewma-t', 'garch-t'] as const) {
      const { model, simulation, h, fitted } = await prepared(name);
      const f = forecastDay(name, h, fitted, { lambda: 0.94 }, LEVELS);
      for (const c of LEVELS) {
        const an = analyticRisk(model, simulation, c);
        expect(an.exact).toBe(true);
        expectRelative(an.var, f.var[String(c)], 1e-12, `${name} VaR ${c}`);
        expectRelative(an.es, f.es[String(c)], 1e-12, `${name} ES ${c}`);
        expect(Math.abs(eulerSum(model, simulation, c) - an.var)).toBeLessThan(1e-12);
      }
    }
  });
});

describe('bootstrap of the VaR (iid rows of the fit window, percentile interval)', () => {
  it('is reproducible from the seed, brackets the full-sample VaR, and widens with the level', async () => {
    const { history, fitted, h } = await prepared('normal');
    const options = { lambda: 0.94 };
    const a = bootstrapVar('normal', h, fitted, options, LEVELS, 100, 5);
    const b = bootstrapVar('normal', h, fitted, options, LEVELS, 100, 5);
    const c = bootstrapVar('normal', h, fitted, options, LEVELS, 100, 6);
    expect(a).toEqual(b);
    expect(c.ci95['0.99']).not.toEqual(a.ci95['0.99']);
    const point = forecastDay('normal', history, fitted, options, LEVELS);
    for (const k of ['0.99', '0.975', '0.95']) {
      const [lo, hi] = a.ci95[k];
      expect(lo).toBeLessThan(point.var[k]);
      expect(hi).toBeGreaterThan(point.var[k]);
    }
    expect(a.ci95['0.99'][1] - a.ci95['0.99'][0]).toBeGreaterThan(a.ci95['0.95'][1] - a.ci95['0.95'][0]);
    // ewma keeps the history's order: only β, α, s² vary, so its interval is narrower than the static model's here
    const e = bootstrapVar('ewma', h, fitted, options, [0.99], 100, 5);
    expect(e.ci95['0.99'][1] - e.ci95['0.99'][0]).toBeLessThan(a.ci95['0.99'][1] - a.ci95['0.99'][0]);
  });
});

describe('hs and fhs in the run: exact enumerations through the same shards and tail merge', () => {
  const sum = (rows: Record<string, { componentVar: number; componentEs: number }>, key: 'componentVar' | 'componentEs') =>
    Object.values(rows).reduce((s, a) => s + a[key], 0);

  for (const [name, L] of [['hs', 250], ['fhs', 500]] as const) {
    it(`${name}, one day: samples = the ${L} scenarios; VaR/ES = the numpy/scipy reference (1e-9), components sum to them, any shard count`, async () => {
      const { fx, model, simulation } = await prepared(name);
      expect(simulation).toMatchObject({ model: name, simulations: L, lookback: L, exact: true, residual: 'none' });
      expect(model.factors).toEqual([...fx.factors, 'residual']);
      const one = monteCarlo(model, simulation);
      const split = monteCarlo(model, { ...simulation, shards: 7 });
      expect(split.risk).toEqual(one.risk);
      for (const c of LEVELS) {
        const k = String(c);
        const r = one.risk[k];
        // fixture day 0 is the day after the fit window: the day this run forecasts
        expectRelative(r.var, fx.models[name].var[k][0], 1e-9, `${name} VaR ${k}`);
        expectRelative(r.es, fx.models[name].es[k][0], 1e-9, `${name} ES ${k}`);
        expect(r.analytic).toBe('exact');
        expect(r.analyticVar).toBe(r.var);
        expect(r.analyticEs).toBe(r.es);
        expect(r.standardError).toBe(0);
        expect(r.ci95).toEqual([r.var, r.var]);
        expect(Object.keys(r.attribution!)).toEqual([...fx.factors, 'residual']);
        expect(Math.abs(sum(r.attribution!, 'componentVar') - r.var)).toBeLessThan(1e-15);
        expect(Math.abs(sum(r.attribution!, 'componentEs') - r.es)).toBeLessThan(1e-15);
      }
      const counts = one.histogram!.counts.reduce((a, b) => a + b, 0);
      expect(counts).toBe(L);
    });
  }

  it('fhs over 10 days: sums of 10 whole scenario days drawn iid from the seed; no closed form; split-invariant; mean and variance h× the day', async () => {
    const { model, simulation } = await prepared('fhs', { horizon: 10, simulations: 40_000 });
    expect(simulation).toMatchObject({ simulations: 40_000, exact: false, horizon: 10 });
    const one = monteCarlo(model, simulation);
    expect(monteCarlo(model, { ...simulation, shards: 5 }).risk).toEqual(one.risk);
    const r = one.risk['0.99'];
    expect(r.analytic).toBe('approximation');
    expect(r.standardError).toBeGreaterThan(0);
    expect(Math.abs(sum(r.attribution!, 'componentEs') - r.es)).toBeLessThan(1e-14);
    // the resampled sum's first two moments are h times the scenarios' (L-weighted, not L − 1): the law of iid sums
    const x = scenarioReturns(model.scenarios!, model.beta);
    const L = x.length;
    const m = x.reduce((a, b) => a + b, 0) / L;
    const v = x.reduce((a, b) => a + (b - m) ** 2, 0) / L;
    const sampler = new ScenarioSampler(model, simulation);
    let s1 = 0;
    let s2 = 0;
    const n = simulation.simulations;
    for (let i = 0; i < n; i++) {
      const y = sampler.value(i);
      s1 += y;
      s2 += y * y;
    }
    const mean = s1 / n;
    const variance = s2 / n - mean * mean;
    expect(Math.abs(mean - 10 * m)).toBeLessThan(4 * Math.sqrt((10 * v) / n));
    // sd of a sample variance ≈ σ²·sqrt(2/n) for near-normal 10-day sums; 5 of them is generous yet catches h·v vs v
    expect(Math.abs(variance / (10 * v) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
  });
});

describe('scenario models in shard descriptors', () => {
  it('refuses a lookback whose scenarios would not fit a Step Functions item (256 KB), naming lookback; at the cap a descriptor fits', () => {
    const n = 2200;
    let s = 3;
    const u = () => ((s = (s * 16807) % 2147483647) / 2147483647 - 0.5) * 0.04;
    const factors = [0, 1, 2].map(() => Float64Array.from({ length: n }, u));
    const portfolio = Float64Array.from({ length: n }, (_, t) => 0.5 * factors[0][t] + 0.3 * factors[1][t] + u() / 4);
    const dates = Array.from({ length: n }, (_, t) => new Date(Date.UTC(2015, 0, 1) + t * 86_400_000).toISOString().slice(0, 10));
    const history = { dates, portfolio, factors, factorNames: ['A', 'B', 'C'] };
    const fitted = { factors: ['A', 'B', 'C'], beta: [0.5, 0.3, 0], alpha: 0, residualVariance: 1e-5, fitStart: 0, fitEnd: n };
    const base: FactorModel = { factors: fitted.factors, beta: fitted.beta, alpha: 0, residualVariance: 1e-5, mu: [0, 0, 0], cov: [[1, 0, 0], [0, 1, 0], [0, 0, 1]] };
    const run = (lookback: number) => {
      const settings = parseSettings({ model: 'hs', lookback });
      return prepareModelRun(settings, base, simulationSettings(settings), history, fitted);
    };
    const most = MAX_SCENARIO_NUMBERS / 4; // three factors and the residual
    expect(() => run(most + 1)).toThrow(/^settings:1:1: setting "lookback": 2001 days × 4 columns .* at most 2000 days with these factors$/);
    const ok = run(most);
    const [descriptor] = planShards(ok.model, ok.simulation, LEVELS, 'run-id');
    expect(Buffer.byteLength(JSON.stringify(descriptor))).toBeLessThan(256 * 1024);
  });
});
