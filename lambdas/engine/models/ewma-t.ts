// ewma-t: the EWMA scale with unit-variance Student-t innovations: X_t = σ_t·√((ν−2)/ν)·T_ν with σ²_t = βᵀΣ_tβ + v_t
// (ewma.ts). ν (when not given) maximizes the unit-variance t likelihood of the standardized history
// z_s = x_s/σ_s (x_s = βᵀF_s + e_s, s from the first EWMA forecast up to the refit point, see refitPoint).
import { lgamma } from '../risk.ts';
import { contentKey, ewmaPath, Memo, modelPortfolio, studentRisk, type EwmaPath } from './history.ts';
import { brentMin } from './optimize.ts';
import type { DayForecast, FittedFactorModel, ModelHistory, ModelOptions } from './types.ts';

/** ML fits of ν and GARCH are re-estimated every REFIT_DAYS days after the fit window, not daily (the backtest's cost). */
export const REFIT_DAYS = 20;
/** ν above this is a normal for every purpose; the search stops here (a flat likelihood would otherwise run away). */
export const MAX_DF = 500;

/**
 * The rows [0, cut) an ML fit sees when forecasting row n: cut = fitEnd + REFIT_DAYS·⌊(n − fitEnd)/REFIT_DAYS⌋, so the
 * parameters change only every REFIT_DAYS days after the fit window ends (n itself when n ≤ fitEnd). A pure function of
 * (n, fitEnd): the same history gives the same parameters whatever was forecast before.
 */
export function refitPoint(n: number, fitEnd: number): number {
  if (n <= fitEnd) return n;
  return fitEnd + REFIT_DAYS * Math.floor((n - fitEnd) / REFIT_DAYS);
}

/** −log-likelihood of z under the unit-variance Student-t with ν degrees of freedom. */
export function unitTNegLogLik(z: ArrayLike<number>, nu: number): number {
  const c = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.log1p((z[i] * z[i]) / (nu - 2));
  return -(z.length * c - ((nu + 1) / 2) * s);
}

/** ML ν of a unit-variance t sample, searched as u = ln(ν − 2) in [ln 0.01, ln(MAX_DF − 2)]. */
export function fitUnitTDf(z: ArrayLike<number>): number {
  const r = brentMin((u) => unitTNegLogLik(z, 2 + Math.exp(u)), Math.log(0.01), Math.log(MAX_DF - 2), 1e-12);
  return 2 + Math.exp(r.x);
}

const dfMemo = new Memo<number>();

/** The fitted ν of ewma-t for forecasting row n of h (scheduled, memoized by content). */
export function ewmaTDf(h: ModelHistory, fitted: FittedFactorModel, lambda: number, path: EwmaPath = ewmaPath(h, fitted, lambda)): number {
  const n = h.portfolio.length;
  const cut = refitPoint(n, fitted.fitEnd);
  const x = modelPortfolio(h, fitted);
  const key = contentKey(['ewma-t', String(lambda), String(cut), x.subarray(0, cut), fitted.beta, [fitted.alpha]]);
  return dfMemo.get(key, () => {
    // the path's variances of rows < cut depend only on rows < cut (the recursion runs forward)
    const z = new Float64Array(Math.max(0, cut - path.start));
    for (let s = path.start; s < cut; s++) z[s - path.start] = x[s] / Math.sqrt(path.portfolioVar[s]);
    return fitUnitTDf(z);
  });
}

export function forecastEwmaT(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const path = ewmaPath(h, fitted, options.lambda);
  const nu = options.df ?? ewmaTDf(h, fitted, options.lambda, path);
  return { ...studentRisk(0, Math.sqrt(path.portfolioVar[h.portfolio.length]), nu, levels), parameters: { df: nu } };
}
