import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePacked, decodePartial, encodedSize, encodePartial, partialToMessage, resolvePartial } from '../../lambdas/engine/partial-codec.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { planShards } from '../../lambdas/engine/simulate.ts';
import { ExactSum } from '../../lambdas/engine/exact-sum.ts';
import { BandCollector, neededTail, radixSortPairs, sortPairs, TailMerger, tailRanks, type PackedPartial } from '../../lambdas/engine/tail.ts';
import type { BlobStore, FactorModel, Selection, ShardPartial, ShardPartialHead, SimulationSettings } from '../../lambdas/engine/types.ts';

type Pair = [number, number];
const byKey = (a: Pair, b: Pair) => a[0] - b[0] || a[1] - b[1];
const everything: Selection = { pass: 1, brackets: [[null, null]], attributeBelow: [] };

/** A shard's partial built by the shards' own collector from given values (no simulation). */
function partialOf(values: number[], shard: number, start: number, end: number, selection: Selection = everything): ShardPartialHead & { values: number[]; indices: number[] } {
  const c = new BandCollector(selection);
  c.offer(Float64Array.from(values.slice(start, end)), end - start, start);
  const f = c.finish();
  return { shard, start, end, count: end - start, sum: 0, sumSquares: 0, selection, ...f, values: Array.from(f.values), indices: Array.from(f.indices) };
}

/** Ascending, disjoint brackets from sorted cut values (pairs), some open-ended. */
const bracketsFrom = (cuts: number[], openLo: boolean, openHi: boolean): Selection['brackets'] => {
  const v = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Selection['brackets'] = [];
  for (let j = 0; j + 1 < v.length; j += 3) out.push([v[j], v[j + 1]]);
  if (out.length === 0) return [[null, null]];
  if (openLo) out[0] = [null, out[0][1]];
  if (openHi) out[out.length - 1] = [out[out.length - 1][0], null];
  return out;
};

const dataAndCuts = fc
  .array(fc.integer({ min: -20, max: 20 }), { minLength: 1, maxLength: 300 })
  .chain((ints) =>
    fc.record({
      values: fc.constant(ints.map((v) => v / 4)), // many exact ties
      cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, ints.length - 1) }), { maxLength: 12 }),
      edges: fc.array(fc.integer({ min: -22, max: 22 }).map((v) => v / 4), { maxLength: 9 }),
      open: fc.tuple(fc.boolean(), fc.boolean()),
      order: fc.array(fc.nat(), { minLength: 30, maxLength: 30 }),
      dup: fc.array(fc.nat(), { maxLength: 5 }),
    }),
  );

describe('TailMerger', () => {
  it('gives the full sort\'s order statistics and exact prefix sums for any brackets, split, arrival order and duplicates (property)', () => {
    fc.assert(
      fc.property(dataAndCuts, ({ values, cuts, edges, open, order, dup }) => {
        const n = values.length;
        const selection: Selection = { pass: 1, brackets: bracketsFrom(edges, open[0], open[1]), attributeBelow: [] };
        const bounds = [0, ...cuts.filter((c) => c < n).sort((a, b) => a - b), n];
        const partials: ShardPartial[] = [];
        for (let s = 0; s + 1 < bounds.length; s++) {
          if (bounds[s] < bounds[s + 1]) partials.push(partialOf(values, partials.length, bounds[s], bounds[s + 1], selection));
        }
        // random arrival order plus re-deliveries of some shards
        const arrivals = partials.map((p, i) => ({ p, key: order[i % order.length] + i / 1000 })).sort((a, b) => a.key - b.key).map((a) => a.p);
        for (const d of dup) arrivals.splice(d % (arrivals.length + 1), 0, partials[d % partials.length]);
        const merger = new TailMerger(n);
        let accepted = 0;
        for (const p of arrivals) {
          expect(merger.complete).toBe(accepted === partials.length);
          if (merger.add(p)) accepted++;
        }
        expect(accepted).toBe(partials.length);
        expect(merger.complete).toBe(true);
        const full = values.map((v, i) => [v, i] as Pair).sort(byKey);
        const lo = (b: Selection['brackets'][number]) => b[0] ?? -Infinity;
        const hi = (b: Selection['brackets'][number]) => b[1] ?? Infinity;
        for (let r = 0; r < n; r++) {
          const inside = selection.brackets.some((b) => full[r][0] >= lo(b) && full[r][0] <= hi(b));
          expect(merger.locate(r) >= 0).toBe(inside);
          if (!inside) continue;
          expect(merger.orderStatistic(r)).toBe(full[r][0]);
          const prefix = new ExactSum();
          for (let t = 0; t <= r; t++) prefix.add(full[t][0]);
          expect(merger.sumSmallest(r + 1)).toBe(prefix.value());
        }
        expect(merger.samplesShipped).toBe(full.filter(([v]) => selection.brackets.some((b) => v >= lo(b) && v <= hi(b))).length);
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('refuses overlapping, out-of-range, malformed, unsorted or differently selected partials', () => {
    const values = Array.from({ length: 100 }, (_, i) => Math.sin(i));
    const sel: Selection = { pass: 1, brackets: [[-0.9, -0.5], [0.1, 0.3]], attributeBelow: [] };
    const merger = new TailMerger(100);
    expect(merger.add(partialOf(values, 0, 0, 50, sel))).toBe(true);
    expect(merger.add(partialOf(values, 0, 0, 50, sel))).toBe(false);
    expect(() => merger.add(partialOf(values, 1, 40, 60, sel))).toThrow(/overlaps/);
    expect(() => merger.add(partialOf(values, 0, 50, 100, sel))).toThrow(/different ranges/);
    expect(() => merger.add({ ...partialOf(values, 2, 50, 100, sel), end: 101, count: 51 })).toThrow(/not inside/);
    expect(() => merger.add(partialOf(values, 2, 50, 100, { ...sel, brackets: [[-0.9, -0.5], [0.1, 0.4]] }))).toThrow(/another selection/);
    const good = partialOf(values, 2, 50, 100, sel);
    expect(() => merger.add({ ...good, bracketSizes: [good.bracketSizes![0] + 1, good.bracketSizes![1] - 1] })).toThrow(/outside bracket|not sorted/);
    expect(() => merger.add({ ...good, gapCounts: [good.gapCounts![0] + 60, 0] })).toThrow(/exceed/);
    expect(() => merger.add({ ...good, values: [...good.values!].reverse() })).toThrow(/outside bracket|not sorted/);
    expect(() => merger.add({ ...good, indices: good.indices!.map(() => 3) })).toThrow(/outside its range/);
    expect(() => merger.add({ ...good, selection: undefined })).toThrow(/no selection/);
    expect(merger.complete).toBe(false);
    expect(merger.add(good)).toBe(true);
    expect(merger.complete).toBe(true);
    expect(() => new BandCollector({ pass: 1, brackets: [[0, 1], [0.5, 2]], attributeBelow: [] })).toThrow(/overlaps/);
  });
});

describe('selection and sorting of (value, index) pairs', () => {
  const doubles = fc.oneof(
    fc.double({ noNaN: true }), // any magnitude, ±0, ±Infinity
    fc.integer({ min: -6, max: 6 }).map((i) => i / 4), // exact ties, low word 0 (skipped passes)
    fc.integer({ min: 0, max: 40 }).map((i) => 1 + i * 2 ** -36), // only the low word's upper digit varies: one pass
    fc.double({ min: -0.1, max: 0.05, noNaN: true }), // simulated returns
  );
  it('radixSortPairs equals a full (value, index) sort: duplicates, ±0, infinities, skipped passes (property)', () => {
    fc.assert(
      fc.property(fc.array(doubles, { minLength: 0, maxLength: 600 }), fc.nat(), (xs, salt) => {
        const n = xs.length;
        const v = Float64Array.from(xs);
        const ix = Uint32Array.from(xs.map((_, i) => (i * 7919 + salt) % 1_000_003)); // distinct, unordered
        const expected = Array.from(v, (x, i) => [x === 0 ? 0 : x, ix[i]] as Pair).sort(byKey);
        radixSortPairs(v, ix, n);
        expect(Array.from(v)).toEqual(expected.map((p) => p[0]));
        expect(Array.from(ix)).toEqual(expected.map((p) => p[1]));
      }),
      { numRuns: 300 },
    );
  });

  it('radixSortPairs returns −0 as +0 for a single element too (the case fast-check found 1 run in 20)', () => {
    const v = Float64Array.of(-0);
    radixSortPairs(v, Uint32Array.of(3), 1);
    expect(Object.is(v[0], 0)).toBe(true);
  });

  it('sortPairs on 50 000 pairs (radix path) with ties equals a full sort', () => {
    const n = 50_000;
    const v = new Float64Array(n);
    const ix = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      v[i] = i % 5 === 0 ? -Math.round(Math.sin(i) * 50) / 1000 : Math.sin(i * 1.3) * 0.05;
      ix[i] = (i * 2_654_435_761) >>> 0;
    }
    const expected = Array.from(v, (x, i) => [x, ix[i]] as Pair).sort(byKey);
    sortPairs(v, ix, n);
    let bad = 0;
    for (let i = 0; i < n; i++) if (v[i] !== expected[i][0] || ix[i] !== expected[i][1]) bad++;
    expect(bad).toBe(0);
  });

});

const oneFactor: FactorModel = { factors: ['SPY'], beta: [1], alpha: 0, residualVariance: 0, mu: [0], cov: [[1e-4]] };
const sim = (n: number): SimulationSettings => ({
  simulations: n, shards: 1, seed: 1, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
});

describe('quantile and ES from the tail', () => {
  it('equals numpy.percentile (linear) to the last bit (fixture: scripts/make_percentile_fixture.py)', () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/numpy/percentile.json', 'utf8')) as {
      cases: Array<{ n: number; percentile: Record<string, number> }>;
    };
    const levels = [0.99, 0.975, 0.95];
    for (const { n, percentile } of fixture.cases) {
      // the same doubles numpy saw: small integers divided by 1e4 are correctly rounded in both
      const x = Array.from({ length: n }, (_, i) => (((i * 7919) % 10007) - 5003) / 1e4);
      const r = reduceRisk([partialOf(x, 0, 0, n)], oneFactor, sim(n), levels);
      expect([r.risk['0.99'].quantile, r.risk['0.975'].quantile, r.risk['0.95'].quantile]).toEqual([percentile['1'], percentile['2.5'], percentile['5']]);
    }
  });

  it('quantile = linear interpolation at (N−1)q and ES = −mean of the ⌈Nq⌉ smallest on the full sorted array (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 100, maxLength: 600 }),
        fc.constantFrom(0.99, 0.975, 0.95, 0.9, 0.8),
        (x, c) => {
          const n = x.length;
          const sorted = [...x].sort((a, b) => a - b);
          const q = Number((1 - c).toFixed(10));
          const pos = (n - 1) * q;
          const lo = Math.floor(pos);
          const t = pos - lo;
          const a = sorted[lo], b = sorted[Math.min(lo + 1, n - 1)];
          const expected = t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
          const k = Math.ceil(n * q - 1e-9);
          const es = -ExactSum.from(sorted.slice(0, k)).value() / k;
          const r = reduceRisk([partialOf(x, 0, 0, n)], oneFactor, sim(n), [c]).risk[String(c)];
          expect(r.quantile).toBe(expected);
          expect(r.var).toBe(-expected);
          expect(r.es).toBe(es);
          expect(r.ci95[0]).toBeLessThanOrEqual(r.var);
          expect(r.ci95[1]).toBeGreaterThanOrEqual(r.var);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('needs the right order statistics', () => {
    const r = tailRanks(1_000_000, 0.99);
    expect(r).toMatchObject({ q: 0.01, lower: 9999, upper: 10000, esCount: 10000, ciLower: 9804, ciUpper: 10196 });
    expect(r.frac).toBeCloseTo(0.99, 9);
    expect(neededTail(1_000_000, [0.99, 0.975, 0.95])).toBe(50_430);
    expect(neededTail(150, [0.95])).toBeLessThanOrEqual(150);
  });
});

class MemoryStore implements BlobStore {
  readonly blobs = new Map<string, Uint8Array>();
  async put(key: string, body: Uint8Array): Promise<string> {
    this.blobs.set(key, body.slice());
    return `mem://${key}`;
  }
  async get(ref: string): Promise<Uint8Array> {
    const b = this.blobs.get(ref.slice(6));
    if (!b) throw new Error(`no blob ${ref}`);
    return b;
  }
}

describe('partial codec and messages', () => {
  const packed = (n: number): PackedPartial => {
    const values = Float64Array.from({ length: n }, (_, i) => -1 + i * 1e-3 + Math.PI * 1e-9);
    const indices = Uint32Array.from({ length: n }, (_, i) => 4_000_000_000 - n + i);
    const selection: Selection = { pass: 2, brackets: [[null, -0.5], [0.25, 4]], attributeBelow: [0.25] };
    return {
      shard: 3, start: 3_999_000_000, end: 4_000_000_000, count: 1_000_000, sum: -12.5, sumSquares: 3.25, selection,
      bracketSizes: [n, 0], gapCounts: [0, 17], gapSums: [[], [0.1, 3.5]], attribution: [{ count: 17, factors: [[1e-17, 0.5]], residual: [] }], values, indices,
    };
  };

  it('round-trips exactly', () => {
    const p = packed(1000);
    const bytes = encodePartial(p);
    expect(bytes.byteLength).toBe(encodedSize(p));
    expect(bytes.byteLength % 8).toBe(0);
    expect(bytes.byteLength - 12 * 1000).toBeLessThan(400); // preamble + JSON header
    const back = decodePacked(bytes);
    expect(back).toEqual(p);
    const plain = decodePartial(bytes);
    expect(plain.values).toEqual(Array.from(p.values));
    expect(encodePartial(plain)).toEqual(bytes);
    expect(() => decodePacked(bytes.subarray(0, 100))).toThrow();
  });

  it('round-trips a histogram (before the values, which stay 8-byte aligned) and from an unaligned buffer', () => {
    const histogram = Array.from({ length: 100 }, (_, i) => (i * 7919) % 10_007);
    const p = { ...packed(333), histogram };
    const bytes = encodePartial(p);
    expect(bytes.byteLength).toBe(encodedSize(p));
    expect(decodePacked(bytes)).toEqual(p);
    const shifted = new Uint8Array(bytes.byteLength + 4);
    shifted.set(bytes, 4);
    expect(decodePacked(shifted.subarray(4))).toEqual(p);
  });

  it('inlines small tails and stores large ones by reference, every message < 256 KB', async () => {
    const store = new MemoryStore();
    const small = await partialToMessage(packed(500), store, 'runs/r/partials/3.bin');
    expect(small.ref).toBeUndefined();
    expect(small.values).toHaveLength(500);
    expect(JSON.stringify(small).length).toBeLessThan(200 * 1024);
    const large = await partialToMessage(packed(200_000), store, 'runs/r/partials/3.bin');
    expect(large.ref).toBe('mem://runs/r/partials/3.bin');
    expect(large.values).toBeUndefined();
    expect(JSON.stringify(large).length).toBeLessThan(1024);
    const resolved = await resolvePartial(large, store);
    expect(Buffer.from(encodePartial(resolved)).equals(Buffer.from(encodePartial(packed(200_000))))).toBe(true);
    expect((await resolvePartial(small, store)).values).toEqual(packed(500).values);
    await expect(resolvePartial({ ...large, shard: 4 }, store)).rejects.toThrow(/expected shard 4/);
  });

  it('keeps descriptors of a 10^9-sample plan far under 256 KB', () => {
    const model: FactorModel = {
      factors: ['XLK', 'MTUM', 'VLUE', 'SPY', 'TLT', 'VIX', 'IWF'],
      beta: Array(7).fill(0.123456789012345),
      alpha: 1e-4,
      residualVariance: 1e-5,
      mu: Array(7).fill(0.000123456789012345),
      cov: Array.from({ length: 7 }, (_, i) => Array.from({ length: 7 }, (_, j) => (i === j ? 2e-4 : 1.23456789e-5))),
    };
    const plan = planShards(model, { ...sim(1e9), shards: 1000 }, [0.99, 0.975, 0.95], 'run-123');
    expect(plan).toHaveLength(1000);
    expect(plan[999].end).toBe(1e9);
    expect(plan.every((d) => d.selection === plan[0].selection)).toBe(true);
    for (const d of [plan[0], plan[999]]) expect(JSON.stringify(d).length).toBeLessThan(256 * 1024);
  });
});
