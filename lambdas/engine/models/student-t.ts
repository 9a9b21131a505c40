// t: a static multivariate Student-t for the factor returns of the fit window, fitted by ECME (Liu & Rubin 1995), plus
// the regression residual as normal idiosyncratic risk: X = βᵀF (+ α) + ε, F ~ t_ν(μ, Ψ) (covariance νΨ/(ν−2)),
// ε ~ N(0, s²). The one-day VaR/ES are exact by the 1-D quadrature of t-mixture.ts.
// Hand-written (not a library): the estimator is the product's edge and must be reproducible and fast; ECME's steps
// are a few lines of linear algebra on k ≤ ~10 factors.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { lgamma, levelKey } from '../risk.ts';
import { tailProbability } from '../tail.ts';
import { MAX_DF } from './ewma-t.ts';
import { contentKey, factorColumns, Memo } from './history.ts';
import { brentMin } from './optimize.ts';
import { mixtureRisk } from './t-mixture.ts';
import type { DayForecast, FittedFactorModel, ModelHistory, ModelOptions } from './types.ts';

export interface MultivariateT {
  mu: number[];
  /** dispersion Ψ (the covariance is νΨ/(ν − 2)) */
  dispersion: number[][];
  df: number;
  logLik: number;
  iterations: number;
}

/** δ_i = (x_i − μ)ᵀΨ⁻¹(x_i − μ) for every row, and ln|Ψ|. */
function mahalanobis(X: Float64Array[], mu: number[], psi: number[][]): { delta: Float64Array; logDet: number } {
  const k = mu.length;
  const n = X[0].length;
  const chol = new CholeskyDecomposition(new Matrix(psi));
  if (!chol.isPositiveDefinite()) throw new Error('t fit: dispersion is not positive definite');
  const L = chol.lowerTriangularMatrix.to2DArray();
  let logDet = 0;
  for (let j = 0; j < k; j++) logDet += 2 * Math.log(L[j][j]);
  const delta = new Float64Array(n);
  const y = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let j = 0; j < k; j++) {
      let v = X[j][i] - mu[j];
      for (let l = 0; l < j; l++) v -= L[j][l] * y[l];
      y[j] = v / L[j][j];
      d += y[j] * y[j];
    }
    delta[i] = d;
  }
  return { delta, logDet };
}

function logLik(n: number, k: number, nu: number, logDet: number, delta: Float64Array): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log1p(delta[i] / nu);
  return n * (lgamma((nu + k) / 2) - lgamma(nu / 2) - (k / 2) * Math.log(nu * Math.PI) - 0.5 * logDet) - ((nu + k) / 2) * s;
}

/**
 * ECME for the multivariate t: E-step weights w_i = (ν + k)/(ν + δ_i); CM-steps μ = Σw x/Σw, Ψ = Σ w(x − μ)(x − μ)ᵀ/n;
 * then ν maximizes the observed likelihood given μ, Ψ (Brent in ln(ν − 2), ν ≤ MAX_DF). Stops when no parameter moves
 * by more than 1e−9 relative and ln L stops rising (see the loop). `df` given: ν stays fixed (EM for μ, Ψ only).
 */
export function fitMultivariateT(X: Float64Array[], df?: number): MultivariateT {
  const k = X.length;
  const n = X[0].length;
  let mu = X.map((c) => c.reduce((s, v) => s + v, 0) / n);
  let psi = symmetric(k, (i, j) => {
    let s = 0;
    for (let t = 0; t < n; t++) s += (X[i][t] - mu[i]) * (X[j][t] - mu[j]);
    return s / n;
  });
  let nu = df ?? 10;
  let it = 0;
  let ll = -Infinity;
  for (; it < MAX_ITERATIONS; it++) {
    const { delta } = mahalanobis(X, mu, psi);
    const w = new Float64Array(n);
    let sw = 0;
    for (let i = 0; i < n; i++) {
      w[i] = (nu + k) / (nu + delta[i]);
      sw += w[i];
    }
    const mu2 = X.map((c) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i] * c[i];
      return s / sw;
    });
    const psi2 = symmetric(k, (r, c) => {
      let s = 0;
      for (let i = 0; i < n; i++) s += w[i] * (X[r][i] - mu2[r]) * (X[c][i] - mu2[c]);
      return s / n;
    });
    let nu2 = nu;
    const { delta: d2, logDet } = mahalanobis(X, mu2, psi2);
    if (df === undefined) {
      const nll = (u: number): number => {
        const v = 2 + Math.exp(u);
        let s = 0;
        for (let i = 0; i < n; i++) s += Math.log1p(d2[i] / v);
        return -(n * (lgamma((v + k) / 2) - lgamma(v / 2) - (k / 2) * Math.log(v)) - ((v + k) / 2) * s);
      };
      nu2 = 2 + Math.exp(brentMin(nll, Math.log(0.01), Math.log(MAX_DF - 2), 1e-13).x);
    }
    let scale = 0;
    let psiMax = 0;
    for (let j = 0; j < k; j++) scale = Math.max(scale, psi[j][j]);
    for (const r of psi) for (const v of r) psiMax = Math.max(psiMax, Math.abs(v));
    let change = Math.abs(nu2 - nu) / nu;
    for (let j = 0; j < k; j++) {
      change = Math.max(change, Math.abs(mu2[j] - mu[j]) / Math.sqrt(scale));
      for (let l = 0; l < k; l++) change = Math.max(change, Math.abs(psi2[j][l] - psi[j][l]) / psiMax);
    }
    mu = mu2;
    psi = psi2;
    nu = nu2;
    // the likelihood is flat in ν: near the optimum ν moves at the 1e−6 level while ln L stays within rounding, so stop
    // when ln L no longer rises (ECME never lowers it) and μ, Ψ have settled
    const ll2 = logLik(n, k, nu, logDet, d2);
    const gain = ll2 - ll;
    ll = ll2;
    if (gain <= 1e-13 * Math.abs(ll2) && change < 1e-9) break;
  }
  const { delta, logDet } = mahalanobis(X, mu, psi);
  return { mu, dispersion: psi, df: nu, logLik: logLik(n, k, nu, logDet, delta), iterations: it + 1 };
}

/** A k×k matrix from its upper triangle (exactly symmetric, as Cholesky requires). */
function symmetric(k: number, entry: (i: number, j: number) => number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k));
  for (let i = 0; i < k; i++) for (let j = i; j < k; j++) m[i][j] = m[j][i] = entry(i, j);
  return m;
}

const memo = new Memo<MultivariateT>(32);
const MAX_ITERATIONS = 5000;

/** The fit window's multivariate t (memoized by content: a backtest forecasts hundreds of days from one window). */
export function windowT(h: ModelHistory, fitted: FittedFactorModel, df?: number): MultivariateT {
  const X = factorColumns(h, fitted).map((c) => c.slice(fitted.fitStart, fitted.fitEnd));
  return memo.get(contentKey(['t', String(df), ...X]), () => fitMultivariateT(X, df));
}

/** m = βᵀμ (+ α), a = √(βᵀΨβ), s = √s²: the three numbers the mixture needs. */
export function tPortfolio(t: MultivariateT, fitted: FittedFactorModel, intercept: boolean): { m: number; a: number; s: number } {
  const k = fitted.beta.length;
  let m = intercept ? fitted.alpha : 0;
  let a2 = 0;
  for (let i = 0; i < k; i++) {
    m += fitted.beta[i] * t.mu[i];
    for (let j = 0; j < k; j++) a2 += fitted.beta[i] * t.dispersion[i][j] * fitted.beta[j];
  }
  return { m, a: Math.sqrt(a2), s: Math.sqrt(fitted.residualVariance) };
}

const forecasts = new Memo<DayForecast>(64);

export function forecastT(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const t = windowT(h, fitted, options.df);
  const { m, a, s } = tPortfolio(t, fitted, options.intercept ?? false);
  // a static model: every day of a backtest on one window asks for the same quadrature
  const f = forecasts.get(contentKey(['t-forecast', [m, a, s, t.df], levels]), () => tForecast(m, a, s, t, levels));
  return { ...f, var: { ...f.var }, es: { ...f.es }, parameters: { ...f.parameters } };
}

function tForecast(m: number, a: number, s: number, t: MultivariateT, levels: number[]): DayForecast {
  const out: DayForecast = { var: {}, es: {}, exact: true, parameters: { df: t.df } };
  for (const c of levels) {
    const r = mixtureRisk(m, a, s, t.df, tailProbability(c));
    out.var[levelKey(c)] = r.var;
    out.es[levelKey(c)] = r.es;
  }
  return out;
}
