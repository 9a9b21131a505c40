// garch-t: GARCH(1,1) with unit-variance Student-t innovations on the model's portfolio return x_s = βᵀF_s + e_s,
// zero mean: σ²_s = ω + α·x²_{s−1} + β·σ²_{s−1}, σ²_0 = mean of x² over the fitted rows (the backcast). Fitted by
// maximum likelihood on the rows before the refit point (ewma-t.ts refitPoint: every REFIT_DAYS days) under
// ω > 0, α, β ≥ 0, α + β < 1, ν > 2 — by parametrization (ω = e^θ₀, (α, β) = softmax with a third zero logit,
// ν = 2 + e^θ₃), so the unconstrained Nelder–Mead cannot leave the region. The data are divided by their RMS first
// (α, β, ν are scale-free; ω scales back by RMS²). The forecast is the closed-form standardized t at σ_t.
// Hand-written: `arch` is Python-only, and the estimator is the product's edge (see optimize.ts).
import { lgamma } from '../risk.ts';
import { MAX_DF, refitPoint } from './ewma-t.ts';
import { contentKey, Memo, modelPortfolio, studentRisk } from './history.ts';
import { nelderMead } from './optimize.ts';
import type { DayForecast, FittedFactorModel, ModelHistory, ModelOptions } from './types.ts';

export interface GarchT {
  omega: number;
  alpha: number;
  beta: number;
  df: number;
  /** σ²_0 of the recursion: mean of x² over the fitted rows */
  backcast: number;
  /** −log-likelihood at the optimum (of the fitted rows, in the data's own units) */
  negLogLik: number;
}

/** −log-likelihood of zero-mean GARCH(1,1)-t (unit-variance t) on x with σ²_0 = s0. */
export function garchNegLogLik(x: ArrayLike<number>, omega: number, alpha: number, beta: number, nu: number, s0: number): number {
  const c = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Math.log(Math.PI * (nu - 2));
  let s2 = s0;
  let ll = 0;
  for (let t = 0; t < x.length; t++) {
    if (t > 0) s2 = omega + alpha * x[t - 1] * x[t - 1] + beta * s2;
    ll += c - 0.5 * Math.log(s2) - ((nu + 1) / 2) * Math.log1p((x[t] * x[t]) / ((nu - 2) * s2));
  }
  return -ll;
}

function unpack(th: number[]): { omega: number; alpha: number; beta: number; nu: number } {
  const ea = Math.exp(th[1]);
  const eb = Math.exp(th[2]);
  const d = 1 + ea + eb;
  return { omega: Math.exp(th[0]), alpha: ea / d, beta: eb / d, nu: Math.min(MAX_DF, 2 + Math.exp(th[3])) };
}

export function fitGarchT(x: ArrayLike<number>, df?: number): GarchT {
  const n = x.length;
  let ms = 0;
  for (let t = 0; t < n; t++) ms += x[t] * x[t];
  ms /= n;
  const rms = Math.sqrt(ms);
  const y = new Float64Array(n);
  for (let t = 0; t < n; t++) y[t] = x[t] / rms;
  const f = (th: number[]): number => {
    const p = unpack(th);
    const v = garchNegLogLik(y, p.omega, p.alpha, p.beta, df ?? p.nu, 1);
    return Number.isFinite(v) ? v : 1e300;
  };
  let best: { x: number[]; f: number } | undefined;
  for (const [a0, b0, n0] of [[0.05, 0.9, 8], [0.1, 0.8, 5], [0.02, 0.95, 15]]) {
    const g = 1 - a0 - b0;
    const r = nelderMead(f, [Math.log(g), Math.log(a0 / g), Math.log(b0 / g), Math.log(n0 - 2)], { step: 0.3, ftol: 1e-12, maxEval: 4000 });
    if (!best || r.f < best.f) best = r;
  }
  const p = unpack(best!.x);
  const nu = df ?? p.nu;
  return { omega: p.omega * ms, alpha: p.alpha, beta: p.beta, df: nu, backcast: ms, negLogLik: garchNegLogLik(x, p.omega * ms, p.alpha, p.beta, nu, ms) };
}

/** σ² for row x.length (the day after the last) from the fitted parameters, σ²_0 = the fit's backcast. */
export function garchVariance(x: ArrayLike<number>, g: GarchT): number {
  let s2 = g.backcast;
  for (let t = 1; t <= x.length; t++) s2 = g.omega + g.alpha * x[t - 1] * x[t - 1] + g.beta * s2;
  return s2;
}

const memo = new Memo<GarchT>(64);

/** The GARCH-t fit used for forecasting the row after h's last (scheduled, memoized by content). */
export function scheduledGarch(h: ModelHistory, fitted: FittedFactorModel, df?: number): { fit: GarchT; x: Float64Array } {
  const x = modelPortfolio(h, fitted);
  const cut = refitPoint(x.length, fitted.fitEnd);
  const rows = x.subarray(0, cut);
  return { fit: memo.get(contentKey(['garch-t', String(df), rows]), () => fitGarchT(rows, df)), x };
}

export function forecastGarchT(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const { fit, x } = scheduledGarch(h, fitted, options.df);
  const out = studentRisk(0, Math.sqrt(garchVariance(x, fit)), fit.df, levels);
  return { ...out, parameters: { omega: fit.omega, alpha: fit.alpha, beta: fit.beta, df: fit.df } };
}
