import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { describe, expect, it } from 'vitest';
import { analyticRisk, reduceRisk } from '../../lambdas/engine/risk.ts';
import { HISTOGRAM_BINS, histogramEdges, planShards, SampleGenerator, simulateShard, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import { TailMarks } from '../../lambdas/engine/tail-marks.ts';
import { BLOCK, SampleStream } from '../../lambdas/engine/rng.ts';
import { ExactSum } from '../../lambdas/engine/exact-sum.ts';
import { neededTail, TailMerger, tailRanks } from '../../lambdas/engine/tail.ts';
import { encodePartial, decodePacked } from '../../lambdas/engine/partial-codec.ts';
import { buildRunResult } from '../../lambdas/engine/run.ts';
import type { SimulationSettings } from '../../lambdas/engine/types.ts';
import { LEVELS, threeFactorModel } from '../support/models.ts';

const model = threeFactorModel;
const confidence = LEVELS;
const normal: SimulationSettings = {
  simulations: 1_000_000, shards: 1, seed: 20240430, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
};

function runInProcess(sim: SimulationSettings, levels = confidence) {
  const partials = planShards(model, sim, levels).map((d) => simulateShardPacked(d));
  return reduceRisk(partials, model, { ...sim, shards: 1 }, levels, { value: 1_000_000 });
}

describe('simulateShard', () => {
  it('ships exactly its in-bracket samples, exact gap counts/sums and attribution sums (brute force)', () => {
    const sim = { ...normal, simulations: 20_000, distribution: 't' as const, df: 5, residual: 'normal' as const, horizon: 3 };
    const [d] = planShards(model, { ...sim, shards: 3 }, [0.95, 0.99]).slice(1, 2);
    const sel = d.selection;
    expect(sel.brackets.length).toBe(2);
    const p = simulateShard(d);
    const gen = new SampleGenerator(model, sim);
    const all: Array<[number, number]> = [];
    let sum = 0;
    const gaps = sel.brackets.map(() => ({ count: 0, sum: new ExactSum() }));
    const f = new Float64Array(3);
    // one band per attribution edge: each bracket's lower edge and its sub-edges
    const bands = sel.attributeBelow.map(() => ({ count: 0, factors: [new ExactSum(), new ExactSum(), new ExactSum()], residual: new ExactSum() }));
    for (const [lo] of sel.brackets) if (lo !== null) expect(sel.attributeBelow).toContain(lo);
    expect(sel.attributeBelow.length).toBeGreaterThan(sel.brackets.length);
    for (let i = d.start; i < d.end; i++) {
      const v = gen.value(i);
      sum += v;
      const j = sel.brackets.findIndex((b) => v <= (b[1] ?? Infinity));
      if (j >= 0 && v >= (sel.brackets[j][0] ?? -Infinity)) all.push([v, i]);
      else if (j >= 0) {
        gaps[j].count++;
        gaps[j].sum.add(v);
      }
      const m = sel.attributeBelow.findIndex((e) => v < e);
      if (m >= 0) {
        const parts = gen.decompose(i, f);
        f.forEach((x, k) => bands[m].factors[k].add(x));
        bands[m].residual.add(parts.residual);
        bands[m].count++;
      }
    }
    all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(p.values!.slice().sort((a, b) => a - b)).toEqual(all.map((x) => x[0]));
    expect(new Set(p.indices)).toEqual(new Set(all.map((x) => x[1])));
    expect(p.bracketSizes!.reduce((a, b) => a + b, 0)).toBe(all.length);
    expect(p.gapCounts).toEqual(gaps.map((g) => g.count));
    expect(p.gapSums!.map((g) => ExactSum.from(g).value())).toEqual(gaps.map((g) => g.sum.value()));
    expect(bands.every((b) => b.count > 0)).toBe(true);
    expect(p.attribution!.map((b) => b.count)).toEqual(bands.map((b) => b.count));
    expect(p.attribution!.map((b) => b.factors.map((g) => ExactSum.from(g).value()))).toEqual(bands.map((b) => b.factors.map((g) => g.value())));
    expect(p.attribution!.map((b) => ExactSum.from(b.residual).value())).toEqual(bands.map((b) => b.residual.value()));
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

  it('fill() marks exactly the samples below the edge, and regenerate() gives decompose()\'s numbers for them', () => {
    const configs: Array<Partial<SimulationSettings>> = [
      {},
      { residual: 'normal', intercept: true, horizon: 3, seed: 2 ** 40 + 3 },
      { distribution: 't', df: 5, residual: 'normal', horizon: 2 },
    ];
    for (const cfg of configs) {
      const gen = new SampleGenerator(model, { ...normal, ...cfg });
      const check = new SampleGenerator(model, { ...normal, ...cfg });
      const n = 30_000;
      const start = BLOCK + 100; // starts inside a block: the samples before it are drawn and dropped
      const out = new Float64Array(n);
      const top = -gen.norm * Math.sqrt(gen.simulation.horizon); // about 16 % of the samples
      const marks = new TailMarks(top);
      gen.fill(start, n, out, marks);
      const want = Array.from(out.keys()).filter((t) => out[t] < top).map((t) => start + t);
      expect(Array.from(marks.indices.subarray(0, marks.size))).toEqual(want);
      expect(want.length).toBeGreaterThan(n / 10);
      const f = new Float64Array(3);
      const g = new Float64Array(3);
      // in reverse: regeneration never depends on where the stream was
      for (let t = marks.size - 1; t >= 0; t--) {
        const residual = gen.regenerate(marks, t, f);
        const parts = check.decompose(marks.indices[t], g);
        expect(Array.from(f)).toEqual(Array.from(g));
        expect(residual).toBe(parts.residual);
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

  it('decompose: Σ_j β_j Σ_d F_{j,d} (+ hα) (+ Σ_d ε_d) equals value(i) for every sample (the projection is exact)', () => {
    const configs: Array<Partial<SimulationSettings>> = [
      {},
      { residual: 'normal', intercept: true, horizon: 5 },
      { distribution: 't', df: 4.5, horizon: 3, seed: 2 ** 40 + 3 },
    ];
    const f = new Float64Array(3);
    for (const cfg of configs) {
      const gen = new SampleGenerator(model, { ...normal, ...cfg });
      const sdH = gen.norm * Math.sqrt(gen.simulation.horizon);
      let worst = 0;
      let worstTail = 0;
      let tailSamples = 0;
      for (let i = 0; i < 20_000; i++) {
        const parts = gen.decompose(i, f);
        const v = gen.value(i);
        const diff = Math.abs(f[0] + f[1] + f[2] + parts.intercept + parts.residual - v);
        worst = Math.max(worst, diff / sdH);
        // a return that crosses zero has no relative scale; tail-sized ones (|R| > 2 sd) do
        if (Math.abs(v) > 2 * sdH) {
          tailSamples++;
          worstTail = Math.max(worstTail, diff / Math.abs(v));
        }
      }
      expect(worst).toBeLessThan(2e-14);
      expect(tailSamples).toBeGreaterThan(200);
      expect(worstTail).toBeLessThan(1e-14);
    }
  });

  it('follows the draw-order contract: z_R first (R = c + ‖w‖ z_R), then u gives F = μ + L(ŵ z_R + u − ŵ ŵᵀu)', () => {
    const gen = new SampleGenerator(model, { ...normal, intercept: true });
    const lower = gen.lower;
    let wNorm2 = 0;
    for (let l = 0; l < 3; l++) {
      let w = 0;
      for (let j = l; j < 3; j++) w += lower[j][l] * model.beta[j];
      wNorm2 += w * w;
    }
    // ‖Lᵀβ‖² = βᵀΣβ
    let v = 0;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += model.beta[i] * model.cov[i][j] * model.beta[j];
    expect(gen.norm).toBeCloseTo(Math.sqrt(v), 15);
    expect(Math.abs(wNorm2 / v - 1)).toBeLessThan(1e-14);
    const stream = new SampleStream(normal.seed);
    const own = new SampleStream(normal.seed);
    const f = new Float64Array(3);
    for (const i of [0, 5, 99_999, 2 ** 32 - 1]) {
      // z_R: the (i mod BLOCK)-th normal of block ⌊i/BLOCK⌋'s stream (one normal per sample here); u: sample i's own stream
      stream.seedBlock(Math.floor(i / BLOCK));
      let zR = stream.normal();
      for (let j = 0; j < i % BLOCK; j++) zR = stream.normal();
      own.seedSample(i);
      const c = 0.9 * 0.0012 + 0.2 * 0.0006 + 0.15 * 0.0004 + 0.0002;
      expect(Math.abs(gen.value(i) - (c + gen.norm * zR))).toBeLessThan(1e-17);
      const u = [own.normal(), own.normal(), own.normal()];
      const dot = u.reduce((s, x, l) => s + x * gen.unit[l], 0);
      const z = u.map((x, l) => gen.unit[l] * zR + x - gen.unit[l] * dot);
      gen.factorDay(i, f);
      for (let j = 0; j < 3; j++) {
        let lz = 0;
        for (let l = 0; l <= j; l++) lz += lower[j][l] * z[l];
        expect(Math.abs(f[j] - (model.mu[j] + lz))).toBeLessThan(1e-17);
      }
    }
  });

  it('normal factors have mean μ and covariance Σ on every day, days uncorrelated (z = ŵ z_R + (I − ŵŵᵀ)u ~ N(0, I))', () => {
    const gen = new SampleGenerator(model, { ...normal, residual: 'normal', horizon: 2 });
    const n = 150_000;
    const f0 = new Float64Array(3);
    const f1 = new Float64Array(3);
    const sums = [new Float64Array(3), new Float64Array(3)];
    const cross = [new Float64Array(9), new Float64Array(9), new Float64Array(9)]; // day 0, day 1, day 0 × day 1
    for (let i = 0; i < n; i++) {
      gen.factorDay(i, f0, 0);
      gen.factorDay(i, f1, 1);
      for (let a = 0; a < 3; a++) {
        sums[0][a] += f0[a];
        sums[1][a] += f1[a];
        for (let b = 0; b < 3; b++) {
          cross[0][a * 3 + b] += f0[a] * f0[b];
          cross[1][a * 3 + b] += f1[a] * f1[b];
          cross[2][a * 3 + b] += f0[a] * f1[b];
        }
      }
    }
    const cov = (c: Float64Array, s: Float64Array, t: Float64Array, a: number, b: number) => c[a * 3 + b] / n - (s[a] / n) * (t[b] / n);
    for (let a = 0; a < 3; a++) {
      for (const d of [0, 1]) expect(Math.abs(sums[d][a] / n - model.mu[a])).toBeLessThan(4 * Math.sqrt(model.cov[a][a] / n));
      for (let b = 0; b < 3; b++) {
        for (const d of [0, 1]) expect(Math.abs(cov(cross[d], sums[d], sums[d], a, b) / model.cov[a][b] - 1)).toBeLessThan(0.03);
        // independent days: cross-covariance within 5 standard errors of 0
        const se = Math.sqrt((model.cov[a][a] * model.cov[b][b]) / n);
        expect(Math.abs(cov(cross[2], sums[0], sums[1], a, b))).toBeLessThan(5 * se);
      }
    }
  });

  it('all β zero (w = 0): R = c exactly and the factors still have covariance Σ', () => {
    const zero = { ...model, beta: [0, 0, 0] };
    const gen = new SampleGenerator(zero, { ...normal, intercept: true });
    expect(gen.norm).toBe(0);
    const out = new Float64Array(1000);
    gen.fill(0, 1000, out);
    expect(out.every((x) => x === zero.alpha)).toBe(true);
    const n = 100_000;
    const f = new Float64Array(3);
    const sums = new Float64Array(3);
    const cross = new Float64Array(9);
    for (let i = 0; i < n; i++) {
      gen.factorDay(i, f);
      for (let a = 0; a < 3; a++) {
        sums[a] += f[a];
        for (let b = 0; b < 3; b++) cross[a * 3 + b] += f[a] * f[b];
      }
    }
    for (let a = 0; a < 3; a++) {
      expect(Number.isFinite(sums[a])).toBe(true);
      for (let b = 0; b < 3; b++) {
        const c = cross[a * 3 + b] / n - (sums[a] / n) * (sums[b] / n);
        expect(Math.abs(c / model.cov[a][b] - 1)).toBeLessThan(0.04);
      }
    }
    const parts = gen.decompose(7, f);
    expect(Array.from(f)).toEqual([0, 0, 0]);
    expect(parts.intercept).toBe(zero.alpha);
  });

  it('plans contiguous shards covering [0, N)', () => {
    const plan = planShards(model, { ...normal, simulations: 1001, shards: 7 }, confidence, 'r1');
    expect(plan[0].start).toBe(0);
    for (let s = 1; s < plan.length; s++) expect(plan[s].start).toBe(plan[s - 1].end);
    expect(plan[6].end).toBe(1001);
    expect(plan.every((d) => d.runId === 'r1' && d.selection === plan[0].selection && d.selection.pass === 1)).toBe(true);
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

describe('histogram of all samples', () => {
  const sim: SimulationSettings = { ...normal, simulations: 120_000, residual: 'normal', intercept: true, horizon: 2 };
  const reduceWith = (shards: number) => {
    const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, confidence));
    // through the binary codec too: what a Lambda shard stores
    for (const d of planShards(model, { ...sim, shards }, confidence)) merger.add(decodePacked(encodePartial(simulateShardPacked(d))));
    return reduceRisk(merger, model, sim, confidence);
  };

  it('counts every sample once, identically for shards 1, 7 and 64, and its mass below −VaR matches the tail', () => {
    const one = reduceWith(1);
    const h = one.histogram!;
    expect(h.counts).toHaveLength(HISTOGRAM_BINS);
    expect(h.edges).toHaveLength(HISTOGRAM_BINS + 1);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(sim.simulations);
    expect(reduceWith(7).histogram).toEqual(h);
    expect(reduceWith(64).histogram).toEqual(h);
    // edges: closed-form mean ± 6 sd of the 2-day return
    const m = 0.9 * 0.0012 + 0.2 * 0.0006 + 0.15 * 0.0004 + 0.0002;
    let v = 4e-5;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) v += model.beta[i] * model.cov[i][j] * model.beta[j];
    expect(h.edges[0]).toBeCloseTo(2 * m - 6 * Math.sqrt(2 * v), 15);
    expect(h.edges[HISTOGRAM_BINS]).toBeCloseTo(2 * m + 6 * Math.sqrt(2 * v), 15);
    // brute force: the count of samples below each edge left of −VaR equals the histogram's cumulative count
    const gen = new SampleGenerator(model, sim);
    const all = new Float64Array(sim.simulations);
    gen.fill(0, sim.simulations, all);
    const var99 = one.risk['0.99'].var;
    let cumulative = 0;
    let checked = 0;
    for (let b = 0; b < HISTOGRAM_BINS && h.edges[b + 1] <= -var99; b++) {
      cumulative += h.counts[b];
      let below = 0;
      for (const x of all) if (x < h.edges[b + 1]) below++;
      expect(cumulative).toBe(below);
      checked++;
    }
    expect(checked).toBeGreaterThan(20);
    // the mass below −VaR is about 1%: the bin holding −VaR splits it, so the cumulative count brackets ⌈Nq⌉
    const esCount = tailRanks(sim.simulations, 0.99).esCount;
    expect(cumulative).toBeLessThanOrEqual(esCount);
    expect(cumulative + h.counts[checked]).toBeGreaterThanOrEqual(esCount);
  });

  it('puts out-of-range samples in the first/last bin and reaches the run JSON', () => {
    // heavy-tailed t (ν = 2.5): samples beyond mean ± 6 sd occur, and land in the open-ended end bins
    const heavy: SimulationSettings = { ...normal, simulations: 40_000, distribution: 't', df: 2.5 };
    const { edges } = histogramEdges(model, heavy);
    const [p] = planShards(model, heavy, confidence).map((d) => simulateShardPacked(d));
    const gen = new SampleGenerator(model, heavy);
    let low = 0, high = 0, outside = 0;
    for (let i = 0; i < heavy.simulations; i++) {
      const x = gen.value(i);
      if (x < edges[1]) low++;
      if (x >= edges[HISTOGRAM_BINS - 1]) high++;
      if (x < edges[0] || x >= edges[HISTOGRAM_BINS]) outside++;
    }
    expect(outside).toBeGreaterThan(10);
    expect(p.histogram![0]).toBe(low);
    expect(p.histogram![HISTOGRAM_BINS - 1]).toBe(high);
    const reduced = reduceWith(3);
    const result = buildRunResult({ full: {}, final: {} } as never, model, { value: undefined } as never, reduced, {}, sim);
    expect(result.histogram).toEqual(reduced.histogram);
    // a partial without counts (an older shard) drops the histogram rather than reporting a partial one
    const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, confidence));
    const [a, ...rest] = planShards(model, { ...sim, shards: 4 }, confidence).map((d) => simulateShardPacked(d));
    merger.add({ ...a, histogram: undefined });
    for (const p of rest) merger.add(p);
    expect(reduceRisk(merger, model, sim, confidence).histogram).toBeUndefined();
    const selection = { pass: 1, brackets: [[null, 5]] as Array<[number | null, number | null]>, attributeBelow: [] as number[] };
    const five = { values: Float64Array.from([1, 2, 3, 4, 5]), indices: Uint32Array.from([0, 1, 2, 3, 4]), bracketSizes: [5], gapCounts: [0], gapSums: [[]] };
    expect(() => new TailMerger(10).add({ shard: 0, start: 0, end: 10, count: 10, sum: 0, sumSquares: 0, selection, ...five, histogram: [3, 4] })).toThrow(/histogram counts 7/);
  });
});
