// LASSO confirmation, equal to scikit-learn 1.2 lasso_path + LassoCV(cv=KFold(folds)) on standardized factors.
import type { LassoResult } from './types.ts';

/**
 * Gap tolerance relative to ‖y‖². 1e-10 leaves ~2e-6 relative error on the path coefficients against an exact
 * solution; 1e-12 brings it to ~3e-8 for a few more sweeps.
 */
export const DEFAULT_TOL = 1e-12;
// Sweeps per α. Well-posed paths converge in far fewer; nearly collinear factors can crawl for 10^6 sweeps, so the
// cap bounds a fit's time (a Lambda has a timeout) and the fit reports the α values that did not converge.
export const DEFAULT_MAX_ITER = 10_000;
/** a coefficient counts as selected when |w| > SELECT_EPS · std(y) (standardized-scale coefficients are in y's units) */
export const SELECT_EPS = 1e-12;

export interface LassoOptions {
  /** grid size (sklearn n_alphas) */
  alphas: number;
  /** grid ratio α_min/α_max (sklearn eps) */
  eps: number;
  /** contiguous KFold folds, no shuffle */
  folds: number;
  /** stop when the duality gap ≤ tol·‖y‖² (sklearn's convention); default 1e-12 */
  tol?: number;
  maxIter?: number;
}

/**
 * sklearn _alpha_grid: α_max = max|Xᵀy|/n for centered X and y (the smallest α with w = 0), then `count` values
 * log-spaced down to eps·α_max, descending.
 */
export function alphaGrid(X: Float64Array[], y: Float64Array, count: number, eps: number): number[] {
  const n = y.length;
  let max = 0;
  for (const c of X) max = Math.max(max, Math.abs(dot(c, y)));
  const alphaMax = max / n;
  // np.logspace(log10(eps·αmax), log10(αmax), count)[::-1], evaluated the way numpy does (10 ** linspace)
  const lo = Math.log10(alphaMax * eps);
  const hi = Math.log10(alphaMax);
  const step = (hi - lo) / (count - 1);
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(10 ** (i === count - 1 ? hi : lo + i * step));
  return out.reverse();
}

/**
 * Coordinate descent for (1/2n)‖y − Xw‖² + α‖w‖₁ along `alphas` with warm starts (X and y already centered).
 * Cyclic updates like sklearn's enet_coordinate_descent, on the Gram matrix XᵀX (sklearn's precompute path: factors
 * are few, rows many, so a sweep costs O(p²) instead of O(np)). After every sweep the duality gap of sklearn's
 * scaled problem (½‖R‖² + nα‖w‖₁) is checked against tol·‖y‖². α values where maxIter sweeps did not reach it are
 * counted in `unconverged` (their last iterate is kept).
 */
export function lassoPath(X: Float64Array[], y: Float64Array, alphas: number[], tol = DEFAULT_TOL, maxIter = DEFAULT_MAX_ITER): { coefs: Float64Array[]; unconverged: number } {
  const n = y.length;
  const p = X.length;
  const G = X.map((a) => Float64Array.from(X, (b) => dot(a, b)));
  const q = Float64Array.from(X, (c) => dot(c, y));
  const yy = dot(y, y);
  const w = new Float64Array(p);
  const H = new Float64Array(p); // G·w, updated with every coordinate step
  const coefs: Float64Array[] = [];
  let unconverged = 0;
  for (const alpha of alphas) {
    const l1 = alpha * n;
    let converged = yy === 0;
    for (let iter = 0; iter < maxIter && !converged; iter++) {
      for (let j = 0; j < p; j++) {
        const gjj = G[j][j];
        if (gjj === 0) continue;
        const old = w[j];
        const rho = q[j] - H[j] + gjj * old;
        const next = (Math.sign(rho) * Math.max(Math.abs(rho) - l1, 0)) / gjj;
        if (next !== old) {
          w[j] = next;
          const d = next - old;
          for (let m = 0; m < p; m++) H[m] += d * G[m][j];
        }
      }
      // refresh G·w so rounding in the incremental updates cannot pile up
      for (let m = 0; m < p; m++) H[m] = dot(G[m], w);
      converged = dualityGap(q, H, yy, w, l1) <= tol * yy;
    }
    if (!converged) unconverged++;
    coefs.push(Float64Array.from(w));
  }
  return { coefs, unconverged };
}

/**
 * sklearn's gap for the lasso (l2 = 0) from Gram quantities: XᵀR = q − Gw, ‖R‖² = yᵀy − 2wᵀq + wᵀGw, Rᵀy = yᵀy − wᵀq;
 * the dual point R is scaled into the feasible set ‖XᵀR‖∞ ≤ nα.
 */
function dualityGap(q: Float64Array, H: Float64Array, yy: number, w: Float64Array, l1: number): number {
  const wq = dot(w, q);
  const wH = dot(w, H);
  let dualNorm = 0;
  let wL1 = 0;
  for (let j = 0; j < w.length; j++) {
    dualNorm = Math.max(dualNorm, Math.abs(q[j] - H[j]));
    wL1 += Math.abs(w[j]);
  }
  const rNorm2 = Math.max(yy - 2 * wq + wH, 0);
  const scale = dualNorm > l1 ? l1 / dualNorm : 1;
  const gap = dualNorm > l1 ? 0.5 * (rNorm2 + rNorm2 * scale * scale) : rNorm2;
  return gap + l1 * wL1 - scale * (yy - wq);
}

/**
 * LASSO over all candidates: factors centered and divided by their population std (ddof 0), portfolio centered;
 * path on the full window; K-fold CV (contiguous folds, intercept per fold by centering on the training part only,
 * the full-data α grid) → α minimizing the mean test MSE, and the 1-SE rule.
 */
export function lassoCv(y: Float64Array, X: Float64Array[], names: string[], opts: LassoOptions): LassoResult {
  return lassoCvDetailed(y, X, names, opts).result;
}

/** lassoCv plus the number of (α, fold) paths that did not reach the gap tolerance (fitModel warns about them). */
export function lassoCvDetailed(y: Float64Array, X: Float64Array[], names: string[], opts: LassoOptions): { result: LassoResult; unconverged: number } {
  const n = y.length;
  const tol = opts.tol ?? DEFAULT_TOL;
  const maxIter = opts.maxIter ?? DEFAULT_MAX_ITER;
  const Xs = X.map((c) => {
    const m = mean(c);
    let ss = 0;
    for (let i = 0; i < n; i++) ss += (c[i] - m) ** 2;
    const sd = Math.sqrt(ss / n);
    return c.map((v) => (v - m) / sd);
  });
  const ym = mean(y);
  const yc = y.map((v) => v - ym);
  const alphas = alphaGrid(Xs, yc, opts.alphas, opts.eps);
  const full = lassoPath(Xs, yc, alphas, tol, maxIter);
  let unconverged = full.unconverged;

  const k = opts.folds;
  if (n < 2 * k) throw new Error(`lasso: ${n} observations cannot make ${k} folds`);
  // KFold: the first n % k folds get one extra observation
  const mseByFold: number[][] = [];
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const fold = foldMse(Xs, yc, start, start + size, alphas, tol, maxIter);
    mseByFold.push(fold.mse);
    unconverged += fold.unconverged;
    start += size;
  }
  const cvMse: number[] = [];
  const cvMseSe: number[] = [];
  for (let a = 0; a < alphas.length; a++) {
    const v = mseByFold.map((m) => m[a]);
    const mu = v.reduce((s, x) => s + x, 0) / k;
    cvMse.push(mu);
    cvMseSe.push(Math.sqrt(v.reduce((s, x) => s + (x - mu) ** 2, 0) / (k - 1)) / Math.sqrt(k));
  }
  let best = 0;
  for (let a = 1; a < alphas.length; a++) if (cvMse[a] < cvMse[best]) best = a; // first minimum, like np.argmin
  const limit = cvMse[best] + cvMseSe[best];
  const i1se = cvMse.findIndex((m) => m <= limit); // alphas descend: the first hit is the largest α
  // "selected" ignores rounding residue (sklearn leaves ~1e-18 at α_max, where every coefficient is 0 by definition)
  const cutoff = SELECT_EPS * Math.sqrt(dot(yc, yc) / n);
  const selected = (w: Float64Array) => names.filter((_, j) => Math.abs(w[j]) > cutoff);
  const coefficients: Record<string, number[]> = {};
  names.forEach((name, j) => (coefficients[name] = full.coefs.map((w) => w[j])));
  const result: LassoResult = {
    alphas,
    coefficients,
    cvAlpha: alphas[best],
    cvSelected: selected(full.coefs[best]),
    alpha1se: alphas[i1se],
    selected1se: selected(full.coefs[i1se]),
    cvMse,
    cvMseSe,
  };
  return { result, unconverged };
}

/** Test MSE of one fold at every α: fit on the rest (centered on its own means), predict with the intercept. */
function foldMse(Xs: Float64Array[], y: Float64Array, start: number, end: number, alphas: number[], tol: number, maxIter: number): { mse: number[]; unconverged: number } {
  const n = y.length;
  const nTrain = n - (end - start);
  const train = (c: Float64Array) => {
    const out = new Float64Array(nTrain);
    let t = 0;
    for (let i = 0; i < n; i++) if (i < start || i >= end) out[t++] = c[i];
    return out;
  };
  const Xt = Xs.map(train);
  const yt = train(y);
  const xMeans = Xt.map(mean);
  const yMean = mean(yt);
  Xt.forEach((c, j) => c.forEach((v, i) => (c[i] = v - xMeans[j])));
  yt.forEach((v, i) => (yt[i] = v - yMean));
  const path = lassoPath(Xt, yt, alphas, tol, maxIter);
  const mse = path.coefs.map((w) => {
    let intercept = yMean;
    for (let j = 0; j < w.length; j++) intercept -= xMeans[j] * w[j];
    let ss = 0;
    for (let i = start; i < end; i++) {
      let pred = intercept;
      for (let j = 0; j < w.length; j++) pred += Xs[j][i] * w[j];
      ss += (pred - y[i]) ** 2;
    }
    return ss / (end - start);
  });
  return { mse, unconverged: path.unconverged };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}
