// OLS with intercept and the statsmodels-0.13 summary numbers the Regression contract carries.
import {
  breuschPagan,
  durbinWatson,
  fPValue,
  jarqueBera,
  leastSquares,
  qqPoints,
  tPValue,
  varianceInflation,
} from './diagnostics.ts';
import type { Coefficient, Regression } from './types.ts';

/**
 * Regresses y on a constant and the columns X (named by `names`, same order). Needs n ≥ k + 2 and a full-rank
 * design (fitModel checks both and names the offending columns). An exact fit (SSR = 0) gives standard errors 0,
 * t = ±Infinity (0 when the estimate is 0 too), p 0 (1), F = Infinity, and NaN for the residual diagnostics that
 * divide by the residual variance.
 */
export function ols(y: Float64Array, X: Float64Array[], names: string[]): Regression {
  const n = y.length;
  const k = X.length;
  if (names.length !== k) throw new Error(`ols: ${k} columns but ${names.length} names`);
  if (n < k + 2) throw new Error(`ols: ${n} observations cannot fit ${k} factors and an intercept`);
  const fit = leastSquares(y, X);
  const dfResid = n - k - 1;
  const scale = fit.ssr / dfResid;
  const coefficients: Record<string, Coefficient> = {};
  ['const', ...names].forEach((name, j) => {
    const estimate = fit.beta[j];
    const stdError = Math.sqrt(scale * fit.xtxInvDiag[j]);
    const tStat = stdError === 0 ? (estimate === 0 ? 0 : Math.sign(estimate) * Infinity) : estimate / stdError;
    coefficients[name] = { estimate, stdError, tStat, pValue: tPValue(tStat, dfResid) };
  });
  const r2 = 1 - fit.ssr / fit.centeredTss;
  const adjR2 = 1 - ((n - 1) / dfResid) * (1 - r2);
  // statsmodels: F = (ESS/k)/(SSR/df_resid) with ESS = centered TSS − SSR
  const ess = fit.centeredTss - fit.ssr;
  const fStat = k === 0 ? NaN : fit.ssr === 0 ? Infinity : ess / k / scale;
  const vifs = varianceInflation(X);
  const vif: Record<string, number> = {};
  names.forEach((name, j) => (vif[name] = vifs[j]));
  const residuals = Array.from(fit.residuals);
  return {
    factors: [...names],
    observations: n,
    r2,
    adjR2,
    fStat,
    fPValue: k === 0 ? NaN : fPValue(fStat, k, dfResid),
    residualStdError: Math.sqrt(scale),
    durbinWatson: durbinWatson(residuals),
    coefficients,
    vif,
    jarqueBera: jarqueBera(residuals),
    breuschPagan: k === 0 ? { stat: NaN, pValue: NaN } : breuschPagan(residuals, X),
    qq: qqPoints(residuals),
    residuals,
  };
}
