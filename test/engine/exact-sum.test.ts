import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactAccumulator, ExactSum } from '../../lambdas/engine/exact-sum.ts';

describe('ExactSum', () => {
  it("equals Python's math.fsum bit for bit (fixture: scripts/make_fsum_fixture.py)", () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/numpy/fsum.json', 'utf8')) as { cases: Array<{ values: string[]; fsum: string }> };
    expect(fixture.cases.length).toBeGreaterThan(40);
    for (const c of fixture.cases) {
      const s = new ExactSum();
      for (const v of c.values) s.add(Number(v));
      expect(Object.is(s.value(), Number(c.fsum)) || s.value() === Number(c.fsum)).toBe(true);
    }
  });

  it('does not depend on the order or on how the additions were split and merged (property)', () => {
    const doubles = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }), fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.integer({ min: -8, max: 8 }).map((i) => i * 2 ** -60));
    fc.assert(
      fc.property(fc.array(doubles, { maxLength: 200 }), fc.nat(), fc.nat(), (xs, salt, cut) => {
        const whole = new ExactSum();
        for (const x of xs) whole.add(x);
        const shuffled = xs.map((x, i) => ({ x, k: (i * 2_654_435_761 + salt) % 1_000_003 })).sort((a, b) => a.k - b.k).map((a) => a.x);
        const c = xs.length === 0 ? 0 : cut % (xs.length + 1);
        const left = new ExactSum();
        const right = new ExactSum();
        shuffled.forEach((x, i) => (i < c ? left : right).add(x));
        const merged = ExactSum.from(right.partials());
        merged.merge(left);
        expect(merged.value()).toBe(whole.value());
      }),
      { numRuns: 300, seed: 15 },
    );
  });

  it('sums integers exactly (against BigInt) and refuses non-finite input', () => {
    const s = new ExactSum();
    let big = 0n;
    for (let i = 0; i < 1000; i++) {
      const x = (i % 2 ? -1 : 1) * (2 ** 52 + i * 977);
      s.add(x);
      big += BigInt(x);
    }
    expect(s.value()).toBe(Number(big));
    expect(() => s.add(Infinity)).toThrow(/not finite/);
  });
});

describe('ExactAccumulator (the hot-loop form)', () => {
  it("equals Python's math.fsum bit for bit", () => {
    const fixture = JSON.parse(readFileSync('test/fixtures/numpy/fsum.json', 'utf8')) as { cases: Array<{ values: string[]; fsum: string }> };
    for (const c of fixture.cases) {
      const s = new ExactAccumulator();
      for (const v of c.values) s.add(Number(v));
      expect(s.value()).toBe(Number(c.fsum));
    }
  });

  it('gives ExactSum\'s value for any doubles, subnormal to 1e308, in any order and split (property)', () => {
    const doubles = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ min: -0.1, max: 0.1, noNaN: true }), fc.integer({ min: -8, max: 8 }).map((i) => i * 2 ** -1074));
    fc.assert(
      fc.property(fc.array(doubles, { maxLength: 200 }), fc.nat(), (xs, cut) => {
        const reference = new ExactSum();
        let finite = true;
        try {
          for (const x of xs) reference.add(x);
        } catch {
          finite = false; // the exact sum overflowed: both must refuse
        }
        const c = xs.length === 0 ? 0 : cut % (xs.length + 1);
        const left = new ExactAccumulator();
        const right = new ExactAccumulator();
        const run = () => {
          xs.forEach((x, i) => (i < c ? left : right).add(x));
          const merged = ExactSum.from(right.partials());
          merged.merge(left.sum());
          return merged.value();
        };
        if (finite) expect(run()).toBe(reference.value());
        else expect(run).toThrow(/overflow/);
      }),
      { numRuns: 500, seed: 16 },
    );
  });

  it('stays exact across a flush of its buckets (2^26 adds of the largest mantissa)', () => {
    const s = new ExactAccumulator();
    const x = 2 ** 53 - 1;
    const n = 2 ** 26 + 5;
    for (let i = 0; i < n; i++) s.add(x);
    s.add(-1);
    const want = BigInt(x) * BigInt(n) - 1n;
    const got = s.partials().reduce((a, p) => a + BigInt(p), 0n);
    expect(got).toBe(want);
    expect(() => s.add(NaN)).toThrow(/not finite/);
  });
});
