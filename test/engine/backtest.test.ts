import { describe, expect, it } from 'vitest';
import {
  backtest,
  christoffersenIndependence,
  kupiecPof,
  trafficLight,
} from '../../lambdas/engine/backtest.ts';

// Reference values: the closed forms below, p-values from scipy 1.10 (chi2.sf, binom.cdf).
const ln = Math.log;

function days(n: number): string[] {
  const out: string[] = [];
  const t0 = Date.UTC(2024, 4, 1);
  for (let i = 0; i < n; i++) out.push(new Date(t0 + i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** Returns of −1 (an exception against VaR 0.5) on the given days, +0.01 elsewhere. */
function series(n: number, exceptionDays: number[]): number[] {
  const r = new Array(n).fill(0.01);
  for (const d of exceptionDays) r[d] = -1;
  return r;
}

describe('kupiecPof', () => {
  it('matches the closed form for n = 20, x = 2, p = 0.05', () => {
    const expected = -2 * (18 * ln(0.95) + 2 * ln(0.05)) + 2 * (18 * ln(0.9) + 2 * ln(0.1));
    const { lr, pValue } = kupiecPof(20, 2, 0.05);
    expect(lr).toBeCloseTo(expected, 12);
    expect(lr).toBeCloseTo(0.8261687565098565, 12);
    expect(pValue).toBeCloseTo(0.36338271770600195, 10);
  });

  it('handles x = 0 and x = n without NaN', () => {
    const zero = kupiecPof(250, 0, 0.01);
    expect(zero.lr).toBeCloseTo(-2 * 250 * ln(0.99), 12);
    expect(zero.pValue).toBeCloseTo(0.02498150305344973, 10);
    const all = kupiecPof(10, 10, 0.01);
    expect(all.lr).toBeCloseTo(-20 * ln(0.01), 10);
    expect(all.pValue / 8.22637584354079e-22).toBeCloseTo(1, 8);
  });

  it('is zero with p-value 1 when the rate equals the expected rate', () => {
    const { lr, pValue } = kupiecPof(100, 5, 0.05);
    expect(lr).toBeLessThan(1e-12);
    expect(pValue).toBeCloseTo(1, 6);
  });
});

describe('christoffersenIndependence', () => {
  it('matches the closed form on a clustered sequence', () => {
    const hits = series(20, [4, 5, 6, 14]).map((r) => r < -0.5);
    const c = christoffersenIndependence(hits);
    expect([c.n00, c.n01, c.n10, c.n11]).toEqual([13, 2, 2, 2]);
    const pi0 = 2 / 15, pi1 = 2 / 4, pi = 4 / 19;
    const expected =
      -2 * (15 * ln(1 - pi) + 4 * ln(pi)) + 2 * (13 * ln(1 - pi0) + 2 * ln(pi0) + 2 * ln(1 - pi1) + 2 * ln(pi1));
    expect(c.lr).toBeCloseTo(expected, 12);
    expect(c.lr).toBeCloseTo(2.231408824993185, 12);
    expect(c.pValue).toBeCloseTo(0.13523049324411024, 10);
  });

  it('treats empty cells as 0·ln 0 = 0', () => {
    const none = christoffersenIndependence(new Array(30).fill(false));
    expect(none).toMatchObject({ lr: 0, pValue: 1, n00: 29, n01: 0, n10: 0, n11: 0 });
    const all = christoffersenIndependence(new Array(30).fill(true));
    expect(all).toMatchObject({ lr: 0, pValue: 1, n11: 29 });
    // isolated exceptions (n11 = 0) are less clustered than independence: LR still finite and non-negative
    const spread = christoffersenIndependence(series(40, [3, 13, 23, 33]).map((r) => r < -0.5));
    expect(spread.n11).toBe(0);
    expect(Number.isFinite(spread.lr)).toBe(true);
    expect(spread.lr).toBeGreaterThan(0);
  });
});

describe('trafficLight', () => {
  it('gives the Basel 4 / 9 boundaries at 99% over 250 days', () => {
    expect(trafficLight(4, 250, 0.99)).toMatchObject({ zone: 'green', exceptions: 4, days: 250 });
    expect(trafficLight(4, 250, 0.99).cumulativeProbability).toBeCloseTo(0.8921876269036252, 10);
    expect(trafficLight(5, 250, 0.99).zone).toBe('yellow');
    expect(trafficLight(5, 250, 0.99).cumulativeProbability).toBeCloseTo(0.9588168159301517, 10);
    expect(trafficLight(9, 250, 0.99).zone).toBe('yellow');
    expect(trafficLight(10, 250, 0.99).zone).toBe('red');
    expect(trafficLight(0, 250, 0.99).zone).toBe('green');
  });

  it('scales to other levels through the binomial cdf', () => {
    // 95%: P(X ≤ 17) = 0.9212 < 0.95, P(X ≤ 18) = 0.9526; P(X ≤ 27) = 0.999934 ≥ 0.9999
    expect(trafficLight(17, 250, 0.95).zone).toBe('green');
    expect(trafficLight(18, 250, 0.95).zone).toBe('yellow');
    expect(trafficLight(26, 250, 0.95).zone).toBe('yellow');
    expect(trafficLight(27, 250, 0.95).zone).toBe('red');
    // 97.5%: P(X ≤ 10) = 0.9485, P(X ≤ 11) = 0.9753; P(X ≤ 16) = 0.99978, P(X ≤ 17) = 0.99993
    expect(trafficLight(10, 250, 0.975).zone).toBe('green');
    expect(trafficLight(11, 250, 0.975).zone).toBe('yellow');
    expect(trafficLight(16, 250, 0.975).zone).toBe('yellow');
    expect(trafficLight(17, 250, 0.975).zone).toBe('red');
  });
});

describe('backtest', () => {
  it('counts exceptions strictly below −VaR and assembles every statistic', () => {
    const n = 20;
    const dates = days(n);
    const values = series(n, [4, 5, 6, 14]);
    values[10] = -0.5; // exactly −VaR: not an exception
    const result = backtest({ dates, values: Float64Array.from(values) }, { '0.95': new Array(n).fill(0.5) }, [0.95]);
    const l = result.levels['0.95'];
    expect(l.observations).toBe(20);
    expect(l.exceptions).toBe(4);
    expect(l.rate).toBe(0.2);
    expect(l.expectedRate).toBeCloseTo(0.05, 15);
    expect(l.exceptionDates).toEqual([dates[4], dates[5], dates[6], dates[14]]);
    expect(l.kupiec.lr).toBeCloseTo(5.591146667306031, 10);
    expect(l.christoffersen.lr).toBeCloseTo(2.231408824993185, 10);
    expect(l.conditionalCoverage.lr).toBeCloseTo(7.822555492299216, 10);
    expect(l.conditionalCoverage.pValue).toBeCloseTo(0.02001491074106469, 10);
    expect(l.trafficLight.days).toBe(20);
    expect(result.outOfSample).toEqual({ start: dates[0], end: dates[19], observations: 20 });
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('uses a per-day VaR and keys levels by String(level)', () => {
    const dates = days(4);
    const values = [-0.02, -0.02, -0.02, -0.02];
    const result = backtest({ dates, values }, { '0.99': [0.01, 0.03, 0.019, 0.02], '0.975': [0.03, 0.03, 0.03, 0.01] }, [0.99, 0.975]);
    expect(Object.keys(result.levels)).toEqual(['0.99', '0.975']);
    expect(result.levels['0.99'].exceptionDates).toEqual([dates[0], dates[2]]);
    expect(result.levels['0.975'].exceptionDates).toEqual([dates[3]]);
  });

  it('counts the traffic light over the last 250 days only', () => {
    const n = 300;
    // 10 exceptions in the first 50 days (outside the window), 5 inside
    const early = Array.from({ length: 10 }, (_, i) => i * 5);
    const late = [60, 100, 150, 200, 299];
    const result = backtest({ dates: days(n), values: series(n, [...early, ...late]) }, { '0.99': new Array(n).fill(0.5) }, [0.99]);
    const l = result.levels['0.99'];
    expect(l.exceptions).toBe(15);
    expect(l.trafficLight).toMatchObject({ zone: 'yellow', exceptions: 5, days: 250 });
  });

  it('carries the in-sample window and rejects mismatched series', () => {
    const dates = days(3);
    const r = backtest({ dates, values: [0, 0, 0] }, { '0.99': [1, 1, 1] }, [0.99], { inSample: { start: '2023-01-03', end: '2024-04-30' } });
    expect(r.inSample).toEqual({ start: '2023-01-03', end: '2024-04-30' });
    expect(r.levels['0.99'].kupiec.lr).toBeCloseTo(-2 * 3 * ln(0.99), 12);
    expect(() => backtest({ dates, values: [0, 0] }, { '0.99': [1, 1, 1] }, [0.99])).toThrow(/2 returns for 3 dates/);
    expect(() => backtest({ dates, values: [0, 0, 0] }, { '0.99': [1, 1] }, [0.99])).toThrow(/2 VaR values/);
    expect(() => backtest({ dates, values: [0, 0, 0] }, {}, [0.99])).toThrow(/no VaR series/);
  });
});
