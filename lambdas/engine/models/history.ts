// Series every model derives from the history: the regression residual, the factor-model portfolio return, the EWMA
// path of the factor covariance and the residual variance, and the exact risk of a finite scenario set.
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { levelKey, tPdf } from '../risk.ts';
import { tailProbability, tailRanks } from '../tail.ts';
import { EWMA_SEED_DAYS, type DayForecast, type FittedFactorModel, type ModelHistory } from './types.ts';

export { normalCdf, normalPdf };

/** Rows of the history (the forecast is for row `length`). */
export function rows(h: ModelHistory): number {
  return h.portfolio.length;
}

/** The fitted model's factor columns of the history, in the fitted model's order. */
export function factorColumns(h: ModelHistory, fitted: FittedFactorModel): Float64Array[] {
  return fitted.factors.map((name) => {
    const j = h.factorNames.indexOf(name);
    if (j < 0) throw new Error(`history has no factor "${name}"`);
    return h.factors[j];
  });
}

/** e_t = r_t − α − βᵀF_t over the whole history (betas from the fit window). */
export function residualSeries(h: ModelHistory, fitted: FittedFactorModel): Float64Array {
  const F = factorColumns(h, fitted);
  const n = rows(h);
  const e = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let x = h.portfolio[t] - fitted.alpha;
    for (let j = 0; j < F.length; j++) x -= fitted.beta[j] * F[j][t];
    e[t] = x;
  }
  return e;
}

/** x_t = βᵀF_t + e_t: the portfolio return the factor model explains plus its residual (= r_t − α). */
export function modelPortfolio(h: ModelHistory, fitted: FittedFactorModel): Float64Array {
  const F = factorColumns(h, fitted);
  const e = residualSeries(h, fitted);
  const n = rows(h);
  const x = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    let s = 0;
    for (let j = 0; j < F.length; j++) s += fitted.beta[j] * F[j][t];
    x[t] = s + e[t];
  }
  return x;
}

export interface EwmaPath {
  /** first row with a forecast (EWMA_SEED_DAYS) */
  start: number;
  /** σ²_{j,s}: each factor's EWMA variance forecast for row s (s in [start, n]; NaN before), row n = the forecast day */
  factorVar: Float64Array[];
  /** v_s: the residual's EWMA variance forecast for row s */
  residualVar: Float64Array;
  /** βᵀΣ_sβ + v_s */
  portfolioVar: Float64Array;
  /** Σ_n (k×k): the factor covariance forecast for the forecast day */
  cov: number[][];
  residuals: Float64Array;
}

/**
 * RiskMetrics EWMA, zero mean, over the whole history: Σ_start = (1/start)·Σ_{s<start} F_sF_sᵀ (the seed, see
 * EWMA_SEED_DAYS), then Σ_s = λΣ_{s−1} + (1−λ)F_{s−1}F_{s−1}ᵀ up to s = n (the forecast day). The residual's variance
 * runs the same recursion on e_s. O(n·k²) per call: a few thousand flops per day of history.
 */
export function ewmaPath(h: ModelHistory, fitted: FittedFactorModel, lambda: number): EwmaPath {
  const F = factorColumns(h, fitted);
  const e = residualSeries(h, fitted);
  const n = rows(h);
  const k = F.length;
  const start = EWMA_SEED_DAYS;
  if (n < start) throw new RangeError(`EWMA needs at least ${start} days of history, got ${n}`);
  const S: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let v = 0;
  for (let s = 0; s < start; s++) {
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) S[a][b] += F[a][s] * F[b][s];
    v += e[s] * e[s];
  }
  for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) S[a][b] /= start;
  v /= start;
  const factorVar = F.map(() => new Float64Array(n + 1).fill(NaN));
  const residualVar = new Float64Array(n + 1).fill(NaN);
  const portfolioVar = new Float64Array(n + 1).fill(NaN);
  const beta = fitted.beta;
  const record = (s: number): void => {
    let pv = 0;
    for (let a = 0; a < k; a++) {
      factorVar[a][s] = S[a][a];
      for (let b = 0; b < k; b++) pv += beta[a] * S[a][b] * beta[b];
    }
    residualVar[s] = v;
    portfolioVar[s] = pv + v;
  };
  record(start);
  const l1 = 1 - lambda;
  for (let s = start + 1; s <= n; s++) {
    const p = s - 1;
    for (let a = 0; a < k; a++) for (let b = 0; b < k; b++) S[a][b] = lambda * S[a][b] + l1 * (F[a][p] * F[b][p]); // (F_a·F_b) first: exactly symmetric
    v = lambda * v + l1 * e[p] * e[p];
    record(s);
  }
  return { start, factorVar, residualVar, portfolioVar, cov: S.map((r) => [...r]), residuals: e };
}

/**
 * Exact VaR/ES of an equally likely finite scenario set, with the product's conventions (README "Risk numbers"):
 * VaR = −numpy's linear percentile at q = 1 − c, ES = −mean of the ⌈Lq⌉ smallest scenarios.
 */
export function enumerateRisk(scenarios: Float64Array, levels: number[]): DayForecast {
  const x = Float64Array.from(scenarios).sort();
  const n = x.length;
  const out: DayForecast = { var: {}, es: {}, exact: true };
  for (const c of levels) {
    const r = tailRanks(n, c);
    const a = x[r.lower];
    const b = x[r.upper];
    const diff = b - a;
    const quantile = r.frac >= 0.5 ? b - diff * (1 - r.frac) : a + diff * r.frac;
    let sum = 0;
    for (let i = 0; i < r.esCount; i++) sum += x[i];
    out.var[levelKey(c)] = -quantile;
    out.es[levelKey(c)] = -sum / r.esCount;
  }
  return out;
}

/** Closed-form VaR/ES of mean + sd·Z, Z standard normal. */
export function normalRisk(mean: number, sd: number, levels: number[]): DayForecast {
  const out: DayForecast = { var: {}, es: {}, exact: true };
  for (const c of levels) {
    const q = tailProbability(c);
    const z = normalQuantile(q, 0, 1);
    out.var[levelKey(c)] = -mean - sd * z;
    out.es[levelKey(c)] = -mean + (sd * normalPdf(z, 0, 1)) / q;
  }
  return out;
}

/** Closed-form VaR/ES of mean + sd·T, T a Student-t with ν > 2 degrees of freedom scaled to unit variance. */
export function studentRisk(mean: number, sd: number, nu: number, levels: number[]): DayForecast {
  const out: DayForecast = { var: {}, es: {}, exact: true };
  const scale = sd * Math.sqrt((nu - 2) / nu);
  for (const c of levels) {
    const q = tailProbability(c);
    const tq = tQuantile(q, nu);
    out.var[levelKey(c)] = -mean - scale * tq;
    out.es[levelKey(c)] = -mean + (scale * ((nu + tq * tq) / (nu - 1)) * tPdf(tq, nu)) / q;
  }
  return out;
}

/** A cheap content hash of some series (FNV-1a over their float bits): keys the cache of scheduled ML fits. */
export function contentKey(parts: Array<Float64Array | number[] | string>): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 | 0;
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  for (const p of parts) {
    if (typeof p === 'string') {
      for (let i = 0; i < p.length; i++) h1 = Math.imul(h1 ^ p.charCodeAt(i), 0x01000193);
      continue;
    }
    for (let i = 0; i < p.length; i++) {
      f[0] = p[i];
      h1 = Math.imul(h1 ^ u[0], 0x01000193);
      h2 = Math.imul(h2 ^ u[1], 0x5bd1e995) ^ (h1 >>> 15);
    }
    h1 = Math.imul(h1 ^ p.length, 0x01000193);
  }
  return `${(h1 >>> 0).toString(16)}${(h2 >>> 0).toString(16)}`;
}

/** A small bounded memo (insertion-order eviction) for results that are pure functions of their key. */
export class Memo<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly capacity = 256) {}
  get(key: string, make: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined) return hit;
    const v = make();
    if (this.map.size >= this.capacity) this.map.delete(this.map.keys().next().value as string);
    this.map.set(key, v);
    return v;
  }
}
