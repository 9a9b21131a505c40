// Least squares core and the residual diagnostics of statsmodels 0.13 (pure functions, no I/O).
// p-values come from the regularized incomplete beta/gamma UPPER tails so tiny p-values keep relative accuracy.
import betainc from '@stdlib/math-base-special-betainc';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { chiSquareSurvival } from './chi-square.ts';
import { Matrix, QrDecomposition } from 'ml-matrix';

export interface LeastSquares {
  /** intercept first, then one coefficient per column */
  beta: Float64Array;
  residuals: Float64Array;
  /** sum of squared residuals */
  ssr: number;
  /** centered total sum of squares of y */
  centeredTss: number;
  /** diagonal of (XᵀX)⁻¹ for the design [1, X], from R of the QR (never an explicit inverse of XᵀX) */
  xtxInvDiag: Float64Array;
}

/**
 * OLS of y on [1, cols] by Householder QR. The caller guarantees full column rank (fitModel refuses constant and
 * collinear columns before any fit).
 */
export function leastSquares(y: Float64Array, cols: Float64Array[]): LeastSquares {
  const n = y.length;
  const p = cols.length + 1;
  const design = new Matrix(n, p);
  for (let i = 0; i < n; i++) {
    design.set(i, 0, 1);
    for (let j = 1; j < p; j++) design.set(i, j, cols[j - 1][i]);
  }
  const qr = new QrDecomposition(design);
  const b = qr.solve(Matrix.columnVector(Array.from(y)));
  const beta = new Float64Array(p);
  for (let j = 0; j < p; j++) beta[j] = b.get(j, 0);
  const residuals = new Float64Array(n);
  let ssr = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i];
  mean /= n;
  let centeredTss = 0;
  for (let i = 0; i < n; i++) {
    let fitted = beta[0];
    for (let j = 1; j < p; j++) fitted += beta[j] * cols[j - 1][i];
    const e = y[i] - fitted;
    residuals[i] = e;
    ssr += e * e;
    centeredTss += (y[i] - mean) ** 2;
  }
  // (XᵀX)⁻¹ = R⁻¹R⁻ᵀ, so its diagonal is the row sums of squares of R⁻¹ (back substitution, upper triangular)
  const r = qr.upperTriangularMatrix;
  const rInv = new Matrix(p, p);
  for (let j = 0; j < p; j++) {
    rInv.set(j, j, 1 / r.get(j, j));
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let m = i + 1; m <= j; m++) s += r.get(i, m) * rInv.get(m, j);
      rInv.set(i, j, -s / r.get(i, i));
    }
  }
  const xtxInvDiag = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = i; j < p; j++) s += rInv.get(i, j) ** 2;
    xtxInvDiag[i] = s;
  }
  return { beta, residuals, ssr, centeredTss, xtxInvDiag };
}

/** Centered R² (statsmodels with a constant): 1 − SSR/TSS. */
export function rSquared(fit: LeastSquares): number {
  return 1 - fit.ssr / fit.centeredTss;
}

/** Two-sided Student t p-value 2·P(T_ν > |t|) = I_{ν/(ν+t²)}(ν/2, 1/2). */
export function tPValue(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  return betainc(df / (df + t * t), df / 2, 0.5, true, false);
}

/** Upper tail of F(d1, d2) at f: I_{d2/(d2+d1·f)}(d2/2, d1/2). */
export function fPValue(f: number, d1: number, d2: number): number {
  if (Number.isNaN(f)) return NaN;
  if (!Number.isFinite(f)) return 0;
  if (f <= 0) return 1;
  return betainc(d2 / (d2 + d1 * f), d2 / 2, d1 / 2, true, false);
}

/** Σ(Δe)²/Σe² (statsmodels durbin_watson). NaN when every residual is exactly 0 (exact fit: undefined). */
export function durbinWatson(e: ArrayLike<number>): number {
  let num = 0;
  let den = e[0] * e[0];
  for (let i = 1; i < e.length; i++) {
    num += (e[i] - e[i - 1]) ** 2;
    den += e[i] * e[i];
  }
  return den === 0 ? NaN : num / den;
}

function centralMoments(e: ArrayLike<number>): { mean: number; m2: number; m3: number; m4: number } {
  const n = e.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += e[i];
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = e[i] - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  return { mean, m2: m2 / n, m3: m3 / n, m4: m4 / n };
}

/**
 * statsmodels.stats.stattools.jarque_bera: biased skew m3/m2^1.5, Pearson kurtosis m4/m2²,
 * JB = n/6·(S² + (K−3)²/4), p = χ²₂ survival. All NaN for residuals with zero variance.
 */
export function jarqueBera(e: ArrayLike<number>): { stat: number; pValue: number; skew: number; kurtosis: number } {
  const n = e.length;
  const { m2, m3, m4 } = centralMoments(e);
  if (m2 === 0) return { stat: NaN, pValue: NaN, skew: NaN, kurtosis: NaN };
  const skew = m3 / m2 ** 1.5;
  const kurtosis = m4 / (m2 * m2);
  const stat = (n / 6) * (skew * skew + (kurtosis - 3) ** 2 / 4);
  return { stat, pValue: chiSquareSurvival(stat, 2), skew, kurtosis };
}

/**
 * het_breuschpagan(resid, exog, robust=True): Koenker's studentized LM = n·R² of e² on [1, X], p = χ²_k survival.
 * NaN when e² is constant (e.g. an exact fit).
 */
export function breuschPagan(e: ArrayLike<number>, cols: Float64Array[]): { stat: number; pValue: number } {
  const n = e.length;
  const e2 = new Float64Array(n);
  for (let i = 0; i < n; i++) e2[i] = e[i] * e[i];
  const aux = leastSquares(e2, cols);
  if (aux.centeredTss === 0) return { stat: NaN, pValue: NaN };
  const stat = n * rSquared(aux);
  return { stat, pValue: chiSquareSurvival(stat, cols.length) };
}

/**
 * VIF of each column: variance_inflation_factor(exog with const, j) = 1/(1 − R²_j), R²_j of column j on the others
 * and a constant. A single column has VIF 1.
 */
export function varianceInflation(cols: Float64Array[]): number[] {
  return cols.map((c, j) => {
    if (cols.length === 1) return 1;
    const aux = leastSquares(c, cols.filter((_, m) => m !== j));
    return 1 / (1 - rSquared(aux));
  });
}

/**
 * Normal Q-Q points like ProbPlot(resid, fit=True): theoretical Φ⁻¹(i/(n+1)), i = 1..n (a = 0), against the sorted
 * residuals standardized by norm.fit (mean, population std). ProbPlot skips the standardization when the residual
 * mean is exactly 0.0, which is a quirk; we always standardize. Zero-variance residuals give 0 sample quantiles.
 */
export function qqPoints(e: ArrayLike<number>, maxPoints = MAX_QQ_POINTS): Array<[number, number]> {
  const n = e.length;
  const { mean, m2 } = centralMoments(e);
  const sd = Math.sqrt(m2);
  const sorted = Float64Array.from(e).sort();
  const point = (i: number): [number, number] => [normalQuantile((i + 1) / (n + 1), 0, 1), sd === 0 ? 0 : (sorted[i] - mean) / sd];
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => point(i));
  // a subset of the same points, evenly spaced in rank, both extremes kept: the run JSON stays small at 10^6 rows
  return Array.from({ length: maxPoints }, (_, j) => point(Math.round((j * (n - 1)) / (maxPoints - 1))));
}

/** At most this many Q-Q points per regression in the run JSON (every point up to this many observations). */
export const MAX_QQ_POINTS = 512;
