import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dynamicQuantile, DQ_LAGS } from '../../../lambdas/engine/backtest/dq.ts';
import { durationTest, SHAPE_BOUNDS } from '../../../lambdas/engine/backtest/duration.ts';
import { z2Test, Z2_THRESHOLDS } from '../../../lambdas/engine/backtest/z2.ts';

// Reference numbers: scripts/make_backtest_fixtures.py (numpy 1.24 lstsq + statsmodels OLS; scipy 1.10 weibull_min, brentq)
interface Duration { lr: number; pValue: number; shape: number; durations: number; censored: number; logLikelihood: number }
interface Level { var: number[]; es: number[]; exceptions: number; dq: { dq: number; df: number; pValue: number; observations: number }; duration: Duration | null; z2: number }
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/backtest/statistics.json', import.meta.url), 'utf8')) as {
  dqLags: number;
  shapeBounds: [number, number];
  cases: Array<{ name: string; returns: number[]; levels: Record<string, Level> }>;
  durationEdges: Array<{ name: string; returns: number[]; var: number[]; duration: Duration | null }>;
};

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('backtest statistics against the Python reference', () => {
  it('uses the generator’s conventions', () => {
    expect(fixture.dqLags).toBe(DQ_LAGS);
    expect(fixture.shapeBounds).toEqual([...SHAPE_BOUNDS]);
  });

  for (const c of fixture.cases) {
    for (const [key, ref] of Object.entries(c.levels)) {
      const level = Number(key);
      it(`${c.name} at ${key}: DQ, duration and Z2 to 1e-8`, () => {
        const dq = dynamicQuantile(c.returns, ref.var, level)!;
        expect(dq.df).toBe(ref.dq.df);
        expect(dq.observations).toBe(ref.dq.observations);
        expect(rel(dq.dq, ref.dq.dq)).toBeLessThan(1e-8);
        expect(rel(dq.pValue, ref.dq.pValue)).toBeLessThan(1e-8);
        const hits = c.returns.map((r, t) => r < -ref.var[t]);
        expect(hits.filter(Boolean).length).toBe(ref.exceptions);
        const d = durationTest(hits);
        if (ref.duration === null) expect(d).toBeNull();
        else {
          expect(d).not.toBeNull();
          expect(d!.durations).toBe(ref.duration.durations);
          expect(d!.censored).toBe(ref.duration.censored);
          expect(rel(d!.shape, ref.duration.shape)).toBeLessThan(1e-8);
          expect(rel(d!.logLikelihood, ref.duration.logLikelihood)).toBeLessThan(1e-8);
          expect(Math.abs(d!.lr - ref.duration.lr)).toBeLessThan(1e-8 * Math.max(1, ref.duration.lr));
          expect(Math.abs(d!.pValue - ref.duration.pValue)).toBeLessThan(1e-8);
        }
        const z = z2Test(c.returns, ref.var, ref.es, level);
        expect(z.exceptions).toBe(ref.exceptions);
        expect(Math.abs(z.z2 - ref.z2)).toBeLessThan(1e-8);
      });
    }
  }

  for (const e of fixture.durationEdges) {
    it(`duration censoring: ${e.name}`, () => {
      const d = durationTest(e.returns.map((r, t) => r < -e.var[t]));
      if (e.duration === null) return expect(d).toBeNull();
      expect(d!.durations).toBe(e.duration.durations);
      expect(d!.censored).toBe(e.duration.censored);
      expect(rel(d!.shape, e.duration.shape)).toBeLessThan(1e-8);
      expect(Math.abs(d!.lr - e.duration.lr)).toBeLessThan(1e-8 * Math.max(1, e.duration.lr));
    });
  }
});

describe('closed forms and invariants', () => {
  it('DQ without exceptions is T·θ/(1 − θ) on the constant and the VaR (2 degrees of freedom)', () => {
    const n = 100;
    const r = new Array(n).fill(0);
    const v = Array.from({ length: n }, (_, t) => 0.02 + 0.001 * Math.sin(t));
    const dq = dynamicQuantile(r, v, 0.99)!;
    expect(dq.df).toBe(2);
    expect(dq.dq).toBeCloseTo(((n - DQ_LAGS) * 0.01) / 0.99, 10);
    expect(dynamicQuantile(r.slice(0, 10), v.slice(0, 10), 0.99)).toBeNull();
  });

  it('duration: exactly exponential-looking gaps give b̂ at the score root; fewer than two exceptions give null', () => {
    expect(durationTest([false, true, false, false])).toBeNull();
    expect(durationTest(new Array(20).fill(false))).toBeNull();
    // two hits on the first and last day: one uncensored duration D; the Weibull can always fit one point better
    const d = durationTest([true, false, false, false, true])!;
    expect(d.durations).toBe(1);
    expect(d.censored).toBe(0);
    expect(d.shape).toBe(SHAPE_BOUNDS[1]);
    // exponential ln L at b = 1: ln(1/D) − 1 with D = 4
    expect(d.logLikelihood - d.lr / 2).toBeCloseTo(-Math.log(4) - 1, 12);
  });

  it('Z2 is 1 without exceptions, 0 when exceptions hit at the ES at the expected rate, and zones by the thresholds', () => {
    const n = 400;
    const v = new Array(n).fill(0.02), es = new Array(n).fill(0.03);
    expect(z2Test(new Array(n).fill(0), v, es).z2).toBe(1);
    const r = new Array(n).fill(0);
    for (let t = 0; t < 10; t++) r[t * 40] = -0.03; // 10 = 400 × 0.025 exceptions, each exactly −ES
    expect(z2Test(r, v, es).z2).toBeCloseTo(0, 12);
    expect(z2Test(r, v, es).zone).toBe('green');
    const worse = r.map((x) => x * 1.8); // Z2 = 1 − 1.8 = −0.8
    expect(z2Test(worse, v, es)).toMatchObject({ zone: 'yellow', thresholds: Z2_THRESHOLDS });
    expect(z2Test(r.map((x) => x * 3), v, es).zone).toBe('red');
  });
});
