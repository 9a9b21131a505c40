// Engle & Manganelli's (2004) dynamic quantile test, out-of-sample form. Pure.
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { chiSquareSurvival } from '../chi-square.ts';

/** lagged hits in the test regression, as in Engle & Manganelli's empirical section */
export const DQ_LAGS = 4;

export interface DynamicQuantile {
  /** DQ = Hitᵀ X (XᵀX)⁻ XᵀHit / (θ(1 − θ)) */
  dq: number;
  /** rank of X: 6 (constant, four lagged hits, VaR) unless columns coincide (constant VaR, no exception) */
  df: number;
  pValue: number;
  /** days in the regression: the tested days less the first DQ_LAGS */
  observations: number;
}

/**
 * Hit_t = 1{r_t < −VaR_t} − θ (θ = 1 − level) regressed on [1, Hit_{t−1}, …, Hit_{t−4}, VaR_t]; under a correct model
 * DQ ~ χ² with as many degrees of freedom as X has independent columns. The fitted sum of squares is taken through the
 * SVD projection, so a static VaR (a column equal to a multiple of the constant) or a sequence without exceptions
 * (lagged hits all −θ) reduces the degrees of freedom instead of dividing by zero. Null when too few days.
 */
export function dynamicQuantile(returns: ArrayLike<number>, varByDay: ArrayLike<number>, level: number): DynamicQuantile | null {
  const n = returns.length;
  const m = n - DQ_LAGS;
  const k = DQ_LAGS + 2;
  if (m <= k) return null;
  const theta = Math.round((1 - level) * 1e12) / 1e12;
  const hit = new Float64Array(n);
  for (let t = 0; t < n; t++) hit[t] = (returns[t] < -varByDay[t] ? 1 : 0) - theta;
  const X = new Matrix(m, k);
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const t = i + DQ_LAGS;
    y[i] = hit[t];
    X.set(i, 0, 1);
    for (let l = 1; l <= DQ_LAGS; l++) X.set(i, l, hit[t - l]);
    X.set(i, k - 1, varByDay[t]);
  }
  const svd = new SingularValueDecomposition(X, { computeLeftSingularVectors: true, computeRightSingularVectors: false, autoTranspose: true });
  const s = svd.diagonal;
  const U = svd.leftSingularVectors;
  // numpy.linalg.matrix_rank's tolerance
  const tol = s[0] * Math.max(m, k) * Number.EPSILON;
  let rank = 0;
  let ess = 0;
  for (let j = 0; j < s.length; j++) {
    if (!(s[j] > tol)) continue;
    rank++;
    let c = 0;
    for (let i = 0; i < m; i++) c += U.get(i, j) * y[i];
    ess += c * c; // ‖U_rᵀ y‖² = ‖P_X y‖² = β̂ᵀXᵀXβ̂
  }
  const dq = ess / (theta * (1 - theta));
  return { dq, df: rank, pValue: chiSquareSurvival(dq, rank), observations: m };
}
