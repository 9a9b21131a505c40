// Least squares core and the residual diagnostics of statsmodels 0.13 (pure functions, no I/O).
// p-values come from the regularized incomplete beta/gamma UPPER tails so tiny p-values keep relative accuracy.
import betainc from '@stdlib/math-base-special-betainc';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { chiSquareSurvival } from './chi-square.ts';

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

/** √(a² + b²) without overflow, exactly as ml-matrix's QR computes it (so the numbers stay bit-identical). */
function hypotenuse(a: number, b: number): number {
  if (Math.abs(a) > Math.abs(b)) {
    const r = b / a;
    return Math.abs(a) * Math.sqrt(1 + r * r);
  }
  if (b !== 0) {
    const r = a / b;
    return Math.abs(b) * Math.sqrt(1 + r * r);
  }
  return 0;
}

/** A Householder QR in place: the columns hold the reflectors (ml-matrix's `QR`), rdiag the diagonal of R. */
interface Householder {
  qr: Float64Array[];
  rdiag: Float64Array;
}

/**
 * ml-matrix's QrDecomposition (JAMA) with the same operations in the same order, on columns: one Float64Array per
 * column instead of ml-matrix's one Float64Array per ROW, which costs ~200 bytes a row and a copy per call (at 10^6
 * rows one design was ~700 MB between the matrix, its clone and the right-hand side). Overwrites `cols`.
 */
export function householderQr(cols: Float64Array[]): Householder {
  const p = cols.length;
  const m = p ? cols[0].length : 0;
  const rdiag = new Float64Array(p);
  for (let k = 0; k < p; k++) {
    const ck = cols[k];
    let nrm = 0;
    for (let i = k; i < m; i++) nrm = hypotenuse(nrm, ck[i]);
    if (nrm !== 0) {
      if (ck[k] < 0) nrm = -nrm;
      for (let i = k; i < m; i++) ck[i] = ck[i] / nrm;
      ck[k] = ck[k] + 1;
      for (let j = k + 1; j < p; j++) {
        const cj = cols[j];
        let s = 0;
        for (let i = k; i < m; i++) s += ck[i] * cj[i];
        s = -s / ck[k];
        for (let i = k; i < m; i++) cj[i] = cj[i] + s * ck[i];
      }
    }
    rdiag[k] = -nrm;
  }
  return { qr: cols, rdiag };
}

/** R of the QR: R[i][j] (i ≤ j; 0 below the diagonal). */
export function upperTriangular({ qr, rdiag }: Householder): number[][] {
  const p = qr.length;
  return Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => (i < j ? qr[j][i] : i === j ? rdiag[i] : 0)));
}

/** The least-squares solution of the QR's system for right-hand side y (ml-matrix's QrDecomposition.solve). */
function solveQr({ qr, rdiag }: Householder, y: Float64Array): Float64Array {
  const p = qr.length;
  const m = y.length;
  if (rdiag.some((d) => d === 0)) throw new Error('Matrix is rank deficient');
  const x = Float64Array.from(y);
  for (let k = 0; k < p; k++) {
    const ck = qr[k];
    let s = 0;
    for (let i = k; i < m; i++) s += ck[i] * x[i];
    s = -s / ck[k];
    for (let i = k; i < m; i++) x[i] = x[i] + s * ck[i];
  }
  for (let k = p - 1; k >= 0; k--) {
    x[k] = x[k] / rdiag[k];
    const ck = qr[k];
    for (let i = 0; i < k; i++) x[i] = x[i] - x[k] * ck[i];
  }
  return x.slice(0, p);
}

/**
 * OLS of y on [1, cols] by Householder QR. The caller guarantees full column rank (fitModel refuses constant and
 * collinear columns before any fit). Memory: the design's p columns and two n-vectors, as Float64Arrays.
 */
export function leastSquares(y: Float64Array, cols: Float64Array[]): LeastSquares {
  const n = y.length;
  const p = cols.length + 1;
  const qr = householderQr([new Float64Array(n).fill(1), ...cols.map((c) => Float64Array.from(c))]);
  const beta = solveQr(qr, y);
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
  const r = upperTriangular(qr);
  const rInv = Array.from({ length: p }, () => new Float64Array(p));
  for (let j = 0; j < p; j++) {
    rInv[j][j] = 1 / r[j][j];
    for (let i = j - 1; i >= 0; i--) {
      let s = 0;
      for (let m = i + 1; m <= j; m++) s += r[i][m] * rInv[m][j];
      rInv[i][j] = -s / r[i][i];
    }
  }
  const xtxInvDiag = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = 0;
    for (let j = i; j < p; j++) s += rInv[i][j] ** 2;
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
