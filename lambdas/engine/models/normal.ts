// normal: the source paper's static multivariate normal. F ~ N(μ, Σ) with the fit window's sample mean and covariance
// (n − 1), so the day's return is normal with mean βᵀμ (+ α with intercept) and variance βᵀΣβ (+ s² with residual).
// The run keeps its Monte Carlo path unchanged (bit-identical to the paper); the forecast is the closed form.
import { factorColumns, normalRisk } from './history.ts';
import type { DayForecast, FittedFactorModel, ModelHistory, ModelOptions } from './types.ts';

/** Sample mean and covariance (n − 1) of the fitted factors over the fit window. */
export function windowMoments(h: ModelHistory, fitted: FittedFactorModel): { mu: number[]; cov: number[][] } {
  const F = factorColumns(h, fitted);
  const { fitStart: a, fitEnd: b } = fitted;
  const n = b - a;
  const mu = F.map((c) => {
    let s = 0;
    for (let t = a; t < b; t++) s += c[t];
    return s / n;
  });
  const cov = F.map((x, i) =>
    F.map((y, j) => {
      let s = 0;
      for (let t = a; t < b; t++) s += (x[t] - mu[i]) * (y[t] - mu[j]);
      return s / (n - 1);
    }),
  );
  return { mu, cov };
}

export function forecastNormal(h: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[]): DayForecast {
  const { mu, cov } = windowMoments(h, fitted);
  const k = fitted.beta.length;
  let mean = 0;
  let variance = 0;
  for (let i = 0; i < k; i++) {
    mean += fitted.beta[i] * mu[i];
    for (let j = 0; j < k; j++) variance += fitted.beta[i] * cov[i][j] * fitted.beta[j];
  }
  if (options.intercept) mean += fitted.alpha;
  if (options.residual === 'normal') variance += fitted.residualVariance;
  return normalRisk(mean, Math.sqrt(variance), levels);
}
