// Exact distributed selection: pass-1 brackets contain the needed ranks (normal, t with ν near 2, pilot-based laws,
// all samples tied), a missed bracket triggers a retry that still gives the full sort's numbers, and what travels
// stays O(√N) whatever the shard count.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactSum } from '../../lambdas/engine/exact-sum.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { levelRanks, missedLevels, planSelection, SUBBANDS, selectExactly } from '../../lambdas/engine/selection.ts';
import { planShards, SampleGenerator, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import { BandCollector, TailMerger, tailRanks } from '../../lambdas/engine/tail.ts';
import type { FactorModel, Selection, ShardPartial, SimulationSettings } from '../../lambdas/engine/types.ts';
import { LEVELS, threeFactorModel } from '../support/models.ts';

const base: SimulationSettings = {
  simulations: 10_000, shards: 1, seed: 11, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
};

/** The full sort's numbers for one level: quantile (numpy linear), exact ES, CI order statistics. */
function fullSort(all: Float64Array, c: number) {
  const n = all.length;
  const x = Float64Array.from(all).sort();
  const r = tailRanks(n, c);
  const a = x[r.lower];
  const b = x[r.upper];
  const quantile = r.frac >= 0.5 ? b - (b - a) * (1 - r.frac) : a + (b - a) * r.frac;
  return { quantile, es: -ExactSum.from(Array.from(x.subarray(0, r.esCount))).value() / r.esCount, ci95: [-x[r.ciUpper - 1], -x[r.ciLower - 1]] };
}

function simulateAll(model: FactorModel, sim: SimulationSettings): Float64Array {
  const all = new Float64Array(sim.simulations);
  new SampleGenerator(model, sim).fill(0, all.length, all);
  return all;
}

describe('pass-1 brackets', () => {
  const settings = fc.record({
    simulations: fc.integer({ min: 200, max: 30_000 }),
    shards: fc.integer({ min: 1, max: 40 }),
    seed: fc.integer({ min: 0, max: 2 ** 40 }),
    law: fc.constantFrom('normal', 't near 2', 't pilot', 'tied'),
    df: fc.double({ min: 2.01, max: 2.3, noNaN: true }),
    horizon: fc.integer({ min: 1, max: 4 }),
    levels: fc.constantFrom(LEVELS, [0.99], [0.9, 0.999], [0.95, 0.951]),
  });

  it('contain every needed rank (normal, t with ν close to 2, pilot-based t, every sample tied) and equal the full sort (property)', () => {
    fc.assert(
      fc.property(settings, (s) => {
        const sim: SimulationSettings = { ...base, simulations: s.simulations, shards: s.shards, seed: s.seed };
        let model = threeFactorModel;
        if (s.law === 'normal') Object.assign(sim, { horizon: s.horizon, residual: 'normal', intercept: true });
        if (s.law === 't near 2') Object.assign(sim, { distribution: 't', df: s.df });
        if (s.law === 't pilot') Object.assign(sim, { distribution: 't', df: s.df + 1, horizon: s.horizon + 1, residual: 'normal' });
        if (s.law === 'tied') model = { ...model, beta: [0, 0, 0] }; // R = c for every sample
        const partials = planShards(model, sim, s.levels).map((d) => simulateShardPacked(d));
        const merger = new TailMerger(sim.simulations);
        for (const p of partials) merger.add(p);
        expect(missedLevels(merger, s.levels)).toEqual([]);
        const r = reduceRisk(merger, model, sim, s.levels);
        expect(r.transfer.passes).toBe(1);
        const all = simulateAll(model, sim);
        for (const c of s.levels) {
          const want = fullSort(all, c);
          const got = r.risk[String(c)];
          expect(got.quantile).toBe(want.quantile);
          expect(got.es).toBe(want.es);
          expect(got.ci95).toEqual(want.ci95);
        }
      }),
      { numRuns: 24, seed: 15 },
    );
  });

  it('ship O(√N) samples: at N = 10^6 and 1,000 shards every partial is a few KB and inline', () => {
    const sim: SimulationSettings = { ...base, simulations: 1_000_000, shards: 1000 };
    const plan = planShards(threeFactorModel, sim, LEVELS);
    const partials = plan.map((d) => simulateShardPacked(d));
    const r = reduceRisk(partials, threeFactorModel, sim, LEVELS);
    const budget = LEVELS.reduce((s, c) => s + Math.sqrt(sim.simulations * (1 - c)), 0);
    expect(r.transfer.passes).toBe(1);
    expect(r.transfer.samplesShipped).toBeLessThan(25 * budget);
    expect(r.transfer.samplesShipped).toBeGreaterThan(5 * budget);
    const json = partials.map((p) => JSON.stringify({ ...p, values: Array.from(p.values), indices: Array.from(p.indices) }).length);
    expect(Math.max(...json)).toBeLessThan(8 * 1024);
    expect(r.transfer.bytes).toBeLessThan(1000 * 4 * 1024);
  });
});

describe('a missed bracket', () => {
  it('triggers a second pass from the histogram and gives the identical run (forced miss)', () => {
    const sim: SimulationSettings = { ...base, simulations: 200_000, shards: 5, distribution: 't', df: 4, residual: 'normal', horizon: 2, intercept: true };
    const plan = planShards(threeFactorModel, sim, LEVELS);
    const reference = reduceRisk(plan.map((d) => simulateShardPacked(d)), threeFactorModel, sim, LEVELS);
    expect(reference.transfer.passes).toBe(1);
    // brackets far in the right tail: every level misses
    const wrong: Selection = { pass: 1, brackets: [[0.5, 0.6], [0.7, null]], attributeBelow: [0.5] };
    const forced = reduceRisk(plan.map((d) => simulateShardPacked({ ...d, selection: wrong })), threeFactorModel, sim, LEVELS);
    expect(forced.transfer.passes).toBe(2);
    const { transfer: _a, ...numbers } = forced;
    const { transfer: _b, ...want } = reference;
    expect(numbers).toEqual(want);
    // one level missed, the others kept: pass 2 keeps the captured brackets
    const one = plan[0].selection.brackets.slice();
    const top = one[0][1]! - 0.004;
    const attributeBelow = plan[0].selection.attributeBelow.filter((e) => e <= top || e >= one[1][0]!);
    const shifted: Selection = { ...plan[0].selection, brackets: [[one[0][0], top], ...one.slice(1)] as Selection['brackets'], attributeBelow };
    const partly = reduceRisk(plan.map((d) => simulateShardPacked({ ...d, selection: shifted })), threeFactorModel, sim, LEVELS);
    expect(partly.transfer.passes).toBe(2);
    expect(partly.risk).toEqual(reference.risk);
    expect(partly.attribution).toEqual(reference.attribution);
  });

  it('with heavy ties, any brackets and any split: the retries end in the full sort\'s order statistics and sums (property)', () => {
    const data = fc.record({
      ints: fc.array(fc.integer({ min: -12, max: 12 }), { minLength: 50, maxLength: 400 }),
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: 49 }), { maxLength: 6 }),
      brackets: fc.array(fc.tuple(fc.integer({ min: -14, max: 14 }), fc.integer({ min: 0, max: 6 })), { minLength: 1, maxLength: 3 }),
      histogram: fc.boolean(),
    });
    const levels = [0.9, 0.8];
    const lo = -3;
    const width = 0.25;
    const nb = 24;
    const edges = Array.from({ length: nb + 1 }, (_, i) => lo + i * width);
    fc.assert(
      fc.property(data, ({ ints, cuts, brackets, histogram }) => {
        const values = Float64Array.from(ints, (v) => v / 4);
        const n = values.length;
        const shardOf = (selection: Selection, shard: number, start: number, end: number): ShardPartial => {
          const c = new BandCollector(selection);
          c.offer(values.subarray(start, end), end - start, start);
          const f = c.finish();
          const p: ShardPartial = { shard, start, end, count: end - start, sum: 0, sumSquares: 0, selection, ...f, values: Array.from(f.values), indices: Array.from(f.indices) };
          const edges = selection.attributeBelow;
          if (edges.length > 0) {
            // no factors: only the band counts are checked
            p.attribution = edges.map((e, m) => {
              let count = 0;
              for (let i = start; i < end; i++) if (values[i] < e && (m === 0 || values[i] >= edges[m - 1])) count++;
              return { count, factors: [], residual: [] };
            });
          }
          if (histogram) {
            p.histogram = new Array<number>(nb).fill(0);
            for (let i = start; i < end; i++) p.histogram[Math.min(Math.max((values[i] - lo) / width, 0), nb - 1) | 0]++;
          }
          return p;
        };
        // disjoint brackets from (start, length) pairs; most miss some level
        const sorted = brackets.map(([a, l]) => [a / 4, (a + l) / 4] as [number, number]).sort((x, y) => x[0] - y[0]);
        const disjoint: Selection['brackets'] = [];
        for (const [a, b] of sorted) if (disjoint.length === 0 || a > disjoint[disjoint.length - 1][1]!) disjoint.push([a, b]);
        const selection: Selection = { pass: 1, brackets: disjoint, attributeBelow: disjoint.map((b) => b[0]!) };
        const bounds = [0, ...cuts.filter((c) => c < n).sort((a, b) => a - b), n];
        const ranges = bounds.slice(1).map((end, s) => ({ shard: s, start: bounds[s], end }));
        const first = new TailMerger(n);
        for (const r of ranges) first.add(shardOf(selection, r.shard, r.start, r.end));
        const { merger, transfer } = selectExactly(first, levels, edges, (sel, rs) => rs.map((r) => shardOf(sel, r.shard, r.start, r.end)));
        expect(transfer.passes).toBeLessThanOrEqual(2);
        const full = Array.from(values).sort((a, b) => a - b);
        for (const c of levels) {
          const { min, max } = levelRanks(n, c);
          for (let r = min; r <= max; r++) expect(merger.orderStatistic(r)).toBe(full[r]);
          const k = tailRanks(n, c).esCount;
          expect(merger.sumSmallest(k)).toBe(ExactSum.from(full.slice(0, k)).value());
        }
      }),
      { numRuns: 300, seed: 15 },
    );
  });
});

describe('planSelection', () => {
  it('brackets are O(√N) ranks wide around each level and open-ended only where the margin reaches 0 or 1', () => {
    const law = { kind: 'normal' as const, mean: 0, sd: 1 };
    const big = planSelection(1e9, LEVELS, law);
    expect(big.brackets).toHaveLength(3);
    // attribution bands: each bracket's lower edge and SUBBANDS − 1 equally spaced edges inside it
    expect(big.attributeBelow).toEqual(big.brackets.flatMap(([lo, hi]) => Array.from({ length: SUBBANDS }, (_, s) => lo! + ((hi! - lo!) * s) / SUBBANDS)));
    const small = planSelection(300, [0.99], law);
    expect(small.brackets[0][0]).toBeNull();
  });
});
