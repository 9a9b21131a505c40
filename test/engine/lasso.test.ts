import { describe, expect, it } from 'vitest';
import { alphaGrid, lassoCv, lassoCvDetailed, lassoPath } from '../../lambdas/engine/lasso.ts';
import { CASES, expectClose, loadCase } from '../fixtures/reference/fixture.ts';

describe('LASSO against scikit-learn 1.2 (lasso_path + LassoCV, KFold 5)', () => {
  for (const name of CASES.filter((c) => c !== 'tech11_retain_spy')) {
    it(`${name}: grid, path, CV curve, CV and 1-SE selections`, () => {
      const { ref, data, settings } = loadCase(name);
      const e = ref.expected.lasso;
      const r = lassoCv(data.y, data.X, data.candidates, {
        alphas: settings.lassoAlphas,
        eps: settings.lassoEps,
        folds: settings.lassoFolds,
      });
      expect(r.alphas.length).toBe(e.alphas.length);
      r.alphas.forEach((a, i) => expectClose(a, e.alphas[i], `alpha[${i}]`, 1e-12));
      for (const f of data.candidates) {
        r.coefficients[f].forEach((c, i) => {
          const x = e.coefficients[f][i];
          // exact zeros stay (near) zero; sklearn leaves ~1e-18 residue at α_max, hence the absolute floor
          if (x === 0) expect(Math.abs(c), `${f}[${i}]`).toBeLessThanOrEqual(1e-10);
          else expectClose(c, x, `${f}[${i}]`, 1e-6, 1e-15);
        });
      }
      r.cvMse.forEach((m, i) => expectClose(m, e.cvMse[i], `cvMse[${i}]`));
      r.cvMseSe.forEach((m, i) => expectClose(m, e.cvMseSe[i], `cvMseSe[${i}]`));
      expectClose(r.cvAlpha, e.cvAlpha, 'cvAlpha', 1e-12);
      expectClose(r.alpha1se, e.alpha1se, 'alpha1se', 1e-12);
      expect(r.cvSelected).toEqual(e.cvSelected);
      expect(r.selected1se).toEqual(e.selected1se);
    });
  }

  it('tech11: CV keeps every factor, the 1-SE rule keeps XLK, VLUE, IWF', () => {
    const { data } = loadCase('tech11');
    const r = lassoCv(data.y, data.X, data.candidates, { alphas: 100, eps: 1e-3, folds: 5 });
    expect(r.cvSelected).toEqual(data.candidates);
    expect(r.selected1se).toEqual(['XLK', 'VLUE', 'IWF']);
    expect(r.alpha1se).toBeGreaterThan(r.cvAlpha);
  });
});

describe('LASSO invariants and closed forms', () => {
  it('KKT conditions hold along the path: |x_jᵀR|/n ≤ α, with equality and matching sign where w_j ≠ 0', () => {
    const { data } = loadCase('log_mega');
    const n = data.y.length;
    const center = (c: Float64Array) => {
      const m = c.reduce((s, v) => s + v, 0) / n;
      return c.map((v) => v - m);
    };
    const X = data.X.map(center);
    const y = center(data.y);
    const alphas = alphaGrid(X, y, 30, 1e-3);
    const { coefs, unconverged } = lassoPath(X, y, alphas);
    expect(unconverged).toBe(0);
    coefs[0].forEach((w) => expect(Math.abs(w)).toBeLessThan(1e-14)); // α_max: zero up to rounding of nα
    coefs.forEach((w, a) => {
      const R = y.map((v, i) => v - X.reduce((s, c, j) => s + c[i] * w[j], 0));
      X.forEach((c, j) => {
        const g = c.reduce((s, v, i) => s + v * R[i], 0) / n;
        expect(Math.abs(g)).toBeLessThanOrEqual(alphas[a] * (1 + 1e-5));
        if (w[j] !== 0) expectClose(g, alphas[a] * Math.sign(w[j]), `kkt[${a}][${j}]`, 1e-4);
      });
    });
  });

  it('orthogonal design: the solution is soft-thresholding of xᵀy/n', () => {
    // columns of a Hadamard matrix (centered, orthogonal, xᵀx = n)
    const n = 8;
    const H = [1, 2, 3].map((b) => Float64Array.from({ length: n }, (_, i) => (popcount(i & b) % 2 === 0 ? 1 : -1)));
    const y = Float64Array.from([3, -1, 4, 1, -5, 9, -2, 6]);
    const ym = y.reduce((s, v) => s + v, 0) / n;
    const yc = y.map((v) => v - ym);
    const alphas = [2, 1, 0.5, 0.1];
    const { coefs } = lassoPath(H, yc, alphas);
    coefs.forEach((w, a) =>
      H.forEach((c, j) => {
        const z = c.reduce((s, v, i) => s + v * yc[i], 0) / n;
        const expected = Math.sign(z) * Math.max(Math.abs(z) - alphas[a], 0);
        expectClose(w[j], expected, `w[${a}][${j}]`, 1e-9, 1e-12);
      }),
    );
  });

  it('the grid spans α_max = max|xᵀy|/n down to eps·α_max, log-evenly', () => {
    const X = [Float64Array.from([1, -1, 2, -2]), Float64Array.from([0.5, 0.5, -0.5, -0.5])];
    const y = Float64Array.from([2, 0, 1, -3]);
    const g = alphaGrid(X, y, 5, 1e-2);
    expectClose(g[0], 10 / 4, 'alpha max = |x1ᵀy|/n = (2 + 2 + 6)/4', 1e-15);
    expectClose(g[4], 10 / 400, 'alpha min', 1e-14);
    for (let i = 1; i < 5; i++) expectClose(g[i - 1] / g[i], 10 ** 0.5, `ratio ${i}`, 1e-12);
  });
});

function popcount(x: number): number {
  let c = 0;
  for (; x; x >>= 1) c += x & 1;
  return c;
}

describe('nearly collinear factors', () => {
  it('stop at the sweep cap and report non-convergence instead of crawling through 10^6 sweeps', () => {
    // x2 = x1 + 1e-7·noise passes the rank check but makes coordinate descent crawl
    const n = 300;
    let s = 12345;
    const rnd = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
    const x1 = Float64Array.from({ length: n }, rnd);
    const x2 = x1.map((v) => v + 1e-7 * rnd());
    const y = x1.map((v) => 0.8 * v + 0.01 * rnd());
    // no wall-clock bound (the machine may be loaded): a reported non-convergence shows the cap, not the tolerance,
    // ended those sweeps
    const { result, unconverged } = lassoCvDetailed(y, [x1, x2], ['A', 'B'], { alphas: 100, eps: 1e-3, folds: 5 });
    expect(unconverged).toBeGreaterThan(0);
    expect(result.coefficients.A.every(Number.isFinite)).toBe(true);
  });
});
