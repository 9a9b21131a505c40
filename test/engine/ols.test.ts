import { describe, expect, it } from 'vitest';
import {
  durbinWatson,
  fPValue,
  jarqueBera,
  qqPoints,
  MAX_QQ_POINTS,
  tPValue,
} from '../../lambdas/engine/diagnostics.ts';
import { ols } from '../../lambdas/engine/ols.ts';
import { CASES, expectClose, expectRegression, loadCase } from '../fixtures/reference/fixture.ts';

describe('ols against statsmodels 0.13', () => {
  for (const name of CASES) {
    it(`${name}: full regression on every candidate`, () => {
      const { ref, data } = loadCase(name);
      expectRegression(ols(data.y, data.X, data.candidates), ref.expected.full, `${name}.full`);
    });
    it(`${name}: regression on the screened factors`, () => {
      const { ref, data } = loadCase(name);
      const sel = ref.expected.selected;
      const X = sel.map((f) => data.X[data.candidates.indexOf(f)]);
      expectRegression(ols(data.y, X, sel), ref.expected.final, `${name}.final`);
    });
  }
});

describe('ols closed forms', () => {
  // deterministic, irregular regressors
  const n = 40;
  const x1 = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);
  const x2 = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7) ** 3);

  it('one factor: slope = cov/var, intercept = ȳ − b·x̄, t² = F, VIF 1, t and F p-values agree', () => {
    const y = Float64Array.from(x1, (v, i) => 0.5 * v + Math.sin(i * 2.9));
    const r = ols(y, [x1], ['x']);
    const mx = x1.reduce((s, v) => s + v, 0) / n;
    const my = y.reduce((s, v) => s + v, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (x1[i] - mx) * (y[i] - my);
      sxx += (x1[i] - mx) ** 2;
    }
    const b = sxy / sxx;
    expectClose(r.coefficients.x.estimate, b, 'slope', 1e-12);
    expectClose(r.coefficients.const.estimate, my - b * mx, 'intercept', 1e-10);
    expectClose(r.coefficients.x.tStat ** 2, r.fStat, 't² = F', 1e-10);
    expectClose(r.coefficients.x.pValue, r.fPValue, 'p(t) = p(F)', 1e-10);
    expect(r.vif.x).toBe(1);
    expectClose(r.residualStdError ** 2 * (n - 2), r.residuals!.reduce((s, e) => s + e * e, 0), 'SSR', 1e-12);
  });

  it('noiseless data: R² = 1, exact coefficients, standard errors ~0, no NaN in the coefficients', () => {
    const y = Float64Array.from(x1, (v, i) => 1 + 2 * v - 3 * x2[i]);
    const r = ols(y, [x1, x2], ['a', 'b']);
    expectClose(r.r2, 1, 'R²', 0, 1e-14);
    expectClose(r.coefficients.const.estimate, 1, 'const', 1e-12);
    expectClose(r.coefficients.a.estimate, 2, 'a', 1e-12);
    expectClose(r.coefficients.b.estimate, -3, 'b', 1e-12);
    for (const c of Object.values(r.coefficients)) {
      expect(c.stdError).toBeLessThan(1e-12);
      expect(Number.isNaN(c.tStat)).toBe(false);
      expect(c.pValue).toBeLessThan(1e-50);
    }
    expect(r.fPValue).toBeLessThan(1e-50);
    expect(() => JSON.stringify(r)).not.toThrow();
  });

  it('residual diagnostics of an exact fit (all residuals 0) are NaN, not a crash', () => {
    const zeros = new Float64Array(10);
    expect(durbinWatson(zeros)).toBeNaN();
    expect(jarqueBera(zeros).stat).toBeNaN();
    expect(qqPoints(zeros).every(([, s]) => s === 0)).toBe(true);
  });

  it('p-value functions match closed forms, including far tails', () => {
    // Cauchy = t with 1 df: two-sided p = 1 − 2·atan(|t|)/π
    for (const t of [0.1, 1, 3, 50]) expectClose(tPValue(t, 1), 1 - (2 * Math.atan(t)) / Math.PI, `t1(${t})`, 1e-12);
    expectClose(tPValue(-2, 1), tPValue(2, 1), 'symmetric', 0);
    expect(tPValue(0, 10)).toBe(1);
    // F(1, ν) at t² is the two-sided t p-value
    expectClose(fPValue(9, 1, 20), tPValue(3, 20), 'F vs t', 1e-12);
    expect(fPValue(Infinity, 3, 20)).toBe(0);
  });

  it('Q-Q theoretical quantiles are Φ⁻¹(i/(n+1)) and the sample side is standardized', () => {
    const e = [3, -1, 2, 0, -4];
    const q = qqPoints(e);
    expectClose(q[2][0], 0, 'median quantile', 0, 1e-15);
    expectClose(q[4][0], 0.967421566101701, 'Φ⁻¹(5/6)', 1e-12); // scipy norm.ppf(5/6)
    const sorted = q.map(([, s]) => s);
    expectClose(sorted.reduce((s, v) => s + v, 0), 0, 'mean 0', 0, 1e-12);
    expectClose(sorted.reduce((s, v) => s + v * v, 0) / 5, 1, 'population variance 1', 1e-12);
  });

  it('Q-Q points are capped at 512: an evenly spaced subset of the full set, both extremes kept', () => {
    const e = Array.from({ length: 10_001 }, (_, i) => Math.sin(i * 1.7) * (1 + (i % 7)));
    const full = qqPoints(e, Infinity);
    expect(full).toHaveLength(10_001);
    const capped = qqPoints(e);
    expect(capped).toHaveLength(MAX_QQ_POINTS);
    expect(MAX_QQ_POINTS).toBe(512);
    // rank j·(n−1)/511: 10000/511 is not an integer, so rounding matters
    capped.forEach((p, j) => expect(p).toEqual(full[Math.round((j * 10_000) / 511)]));
    expect(capped[0]).toEqual(full[0]);
    expect(capped[511]).toEqual(full[10_000]);
    // up to the cap nothing changes
    expect(qqPoints(e.slice(0, 512))).toEqual(qqPoints(e.slice(0, 512), Infinity));
  });
});
