// Estimation uncertainty: a bootstrap interval of the model's one-day VaR, beside the Monte Carlo interval, so a user
// sees which error dominates. iid row bootstrap of the fit window: replicate b draws the window's n rows (whole
// date-aligned vectors of portfolio and factors) with replacement, re-fits the OLS (β, α, s²) on them and re-forecasts:
// - normal and t re-fit their factor distribution on the resampled rows (they are static models of the window);
// - ewma, ewma-t, fhs, hs, garch-t are time-series models: the history keeps its order and the replicate's β, α, s²
//   re-define the residual and portfolio series they filter (λ stays fixed; scheduled ML fits re-run on the new series).
// The interval is the percentile interval [2.5 %, 97.5 %] (numpy linear) of the B replicate VaRs, per level. The row
// draws come from the run's seed on sample indices 2^32 + b, which no Monte Carlo sample uses (N ≤ 2^32).
import { levelKey } from '../risk.ts';
import { SampleStream } from '../rng.ts';
import { ols } from '../ols.ts';
import { tailRanks } from '../tail.ts';
import { forecastDay } from './index.ts';
import type { FittedFactorModel, ModelHistory, ModelName, ModelOptions } from './types.ts';

const FIRST_INDEX = 2 ** 32;

export interface Bootstrap {
  replicates: number;
  method: 'iid-rows';
  /** per level: the percentile 95 % interval of the replicates' VaR */
  ci95: Record<string, [number, number]>;
}

export function bootstrapVar(model: ModelName, history: ModelHistory, fitted: FittedFactorModel, options: ModelOptions, levels: number[], replicates: number, seed: number): Bootstrap {
  const { fitStart: a, fitEnd: b } = fitted;
  const n = b - a;
  const cols = fitted.factors.map((f) => history.factors[history.factorNames.indexOf(f)]);
  const stream = new SampleStream(seed);
  const vars: Record<string, Float64Array> = Object.fromEntries(levels.map((c) => [levelKey(c), new Float64Array(replicates)]));
  const staticModel = model === 'normal' || model === 't';
  for (let r = 0; r < replicates; r++) {
    stream.seedSample(FIRST_INDEX + r);
    const pick = new Int32Array(n);
    for (let i = 0; i < n; i++) pick[i] = a + Math.floor(stream.uniform() * n);
    const y = Float64Array.from(pick, (t) => history.portfolio[t]);
    const X = cols.map((c) => Float64Array.from(pick, (t) => c[t]));
    const fit = ols(y, X, fitted.factors);
    const k = fitted.factors.length;
    let ssr = 0;
    for (let i = 0; i < n; i++) {
      let e = y[i] - fit.coefficients.const.estimate;
      for (let j = 0; j < k; j++) e -= fit.coefficients[fitted.factors[j]].estimate * X[j][i];
      ssr += e * e;
    }
    const replicate: FittedFactorModel = {
      ...fitted,
      beta: fitted.factors.map((f) => fit.coefficients[f].estimate),
      alpha: fit.coefficients.const.estimate,
      residualVariance: ssr / (n - k - 1),
    };
    let h = history;
    if (staticModel) {
      // the window's rows replaced by the resampled ones: the static model re-fits its distribution on them
      const portfolio = Float64Array.from(history.portfolio);
      portfolio.set(y, a);
      const factors = history.factors.map((c, j) => {
        const copy = Float64Array.from(c);
        const at = fitted.factors.indexOf(history.factorNames[j]);
        if (at >= 0) copy.set(X[at], a);
        return copy;
      });
      h = { ...history, portfolio, factors };
    }
    const f = forecastDay(model, h, replicate, options, levels);
    for (const c of levels) vars[levelKey(c)][r] = f.var[levelKey(c)];
  }
  const ci95: Record<string, [number, number]> = {};
  for (const c of levels) {
    const v = vars[levelKey(c)].sort();
    ci95[levelKey(c)] = [percentile(v, 0.025), percentile(v, 0.975)];
  }
  return { replicates, method: 'iid-rows', ci95 };
}

/** numpy's linear percentile of sorted values at probability p. */
function percentile(sorted: Float64Array, p: number): number {
  const r = tailRanks(sorted.length, 1 - p);
  const lo = sorted[r.lower];
  return lo + (sorted[r.upper] - lo) * r.frac;
}
