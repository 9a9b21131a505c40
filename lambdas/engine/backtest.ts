// Out-of-sample VaR backtest: exception counts, Kupiec's proportion-of-failures test, Christoffersen's independence and
// conditional-coverage tests, and the Basel traffic light. Pure: no I/O, no dependency beyond the statistics library.
import binomialCdf from '@stdlib/stats-base-dists-binomial-cdf';
import { chiSquareSurvival } from './chi-square.ts';
import { dynamicQuantile, type DynamicQuantile } from './backtest/dq.ts';
import { durationTest, type DurationTest } from './backtest/duration.ts';

export interface LikelihoodRatio {
  lr: number;
  pValue: number;
}

export type TrafficZone = 'green' | 'yellow' | 'red';

export interface TrafficLight {
  zone: TrafficZone;
  /** exceptions within the last `days` days */
  exceptions: number;
  /** days looked at: the last 250, or all when fewer */
  days: number;
  /** P(X ≤ exceptions) for X ~ Binomial(days, 1 − level): the Basel zones cut it at 0.95 and 0.9999 */
  cumulativeProbability: number;
}

export interface LevelBacktest {
  observations: number;
  exceptions: number;
  rate: number;
  expectedRate: number;
  kupiec: LikelihoodRatio;
  christoffersen: LikelihoodRatio & { n00: number; n01: number; n10: number; n11: number };
  conditionalCoverage: LikelihoodRatio;
  trafficLight: TrafficLight;
  exceptionDates: string[];
  /** Engle–Manganelli dynamic quantile test; null with too few days */
  dq: DynamicQuantile | null;
  /** Christoffersen–Pelletier Weibull duration test; null with fewer than 2 exceptions */
  duration: DurationTest | null;
  /**
   * Monte Carlo VaR only: exceptions whose return lies inside the VaR's 95 % Monte Carlo interval (−hi ≤ r < −VaR with
   * the interval [lo, hi] of that day's VaR), i.e. the ones simulation noise alone could undo. Absent for exact VaRs.
   */
  exceptionsWithinCi?: string[];
}

export interface BacktestWindow {
  start: string;
  end: string;
  observations?: number;
}

export interface RollingSpec {
  /** estimation window in days */
  window: number;
  /** re-estimation step in days */
  step: number;
  /** one entry per re-estimation: first out-of-sample day it applies to, the window fitted, and its VaR per level */
  refits: Array<{ date: string; start: string; end: string; var: Record<string, number> }>;
}

export interface BacktestResult {
  /** keyed by String(level), e.g. "0.99" */
  levels: Record<string, LevelBacktest>;
  inSample?: BacktestWindow;
  outOfSample: BacktestWindow;
  rolling?: RollingSpec;
}

/** What the report needs to draw returns against −VaR: not part of the JSON by default (it is one number per day). */
export interface BacktestSeries {
  dates: string[];
  returns: number[];
  /** positive loss per day, keyed like BacktestResult.levels */
  var: Record<string, number[]>;
}

export interface BacktestReturns {
  dates: string[];
  values: Float64Array | number[];
}

/** A day's 95 % Monte Carlo interval [lo, hi] of its VaR (positive losses, the run's `ci95`); undefined: none known. */
export type VarInterval = readonly [number, number] | undefined;

/** The Basel window: the traffic light counts exceptions over the last 250 trading days. */
export const TRAFFIC_LIGHT_DAYS = 250;

/**
 * Backtests a VaR series: `varByDay[String(level)][i]` is the positive loss threshold for `returns.dates[i]`; day i is an
 * exception when its return is below −VaR. `varCi` (Monte Carlo VaRs only, keyed like varByDay) adds each level's
 * `exceptionsWithinCi`.
 */
export function backtest(
  returns: BacktestReturns,
  varByDay: Record<string, ArrayLike<number>>,
  levels: number[],
  meta: { inSample?: BacktestWindow; rolling?: RollingSpec; varCi?: Record<string, ArrayLike<VarInterval>> } = {},
): BacktestResult {
  const n = returns.dates.length;
  if (returns.values.length !== n) throw new Error(`backtest: ${returns.values.length} returns for ${n} dates`);
  if (n === 0) throw new Error('backtest: no out-of-sample days');
  const out: Record<string, LevelBacktest> = {};
  for (const level of levels) {
    const key = String(level);
    const vars = varByDay[key];
    if (!vars) throw new Error(`backtest: no VaR series for level ${key}`);
    if (vars.length !== n) throw new Error(`backtest: ${vars.length} VaR values for ${n} days at level ${key}`);
    const hits: boolean[] = new Array(n);
    const exceptionDates: string[] = [];
    for (let i = 0; i < n; i++) {
      hits[i] = returns.values[i] < -vars[i];
      if (hits[i]) exceptionDates.push(returns.dates[i]);
    }
    const x = exceptionDates.length;
    // 1 − 0.99 is 0.010000000000000009 in binary: round so the JSON shows 0.01
    const p = Math.round((1 - level) * 1e12) / 1e12;
    const kupiec = kupiecPof(n, x, p);
    const christoffersen = christoffersenIndependence(hits);
    const lrCc = kupiec.lr + christoffersen.lr;
    out[key] = {
      observations: n,
      exceptions: x,
      rate: x / n,
      expectedRate: p,
      kupiec,
      christoffersen,
      conditionalCoverage: { lr: lrCc, pValue: chiSquareSurvival(lrCc, 2) },
      trafficLight: trafficLight(hits.slice(-TRAFFIC_LIGHT_DAYS).filter(Boolean).length, Math.min(n, TRAFFIC_LIGHT_DAYS), level),
      exceptionDates,
      dq: dynamicQuantile(returns.values, vars, level),
      duration: durationTest(hits),
    };
    const ci = meta.varCi?.[key];
    if (ci) {
      if (ci.length !== n) throw new Error(`backtest: ${ci.length} VaR intervals for ${n} days at level ${key}`);
      // an exception the upper end of the VaR's interval would not have caught: noise alone could undo it
      out[key].exceptionsWithinCi = returns.dates.filter((_, i) => hits[i] && ci[i] !== undefined && returns.values[i] >= -ci[i]![1]);
    }
  }
  const result: BacktestResult = {
    levels: out,
    outOfSample: { start: returns.dates[0], end: returns.dates[n - 1], observations: n },
  };
  if (meta.inSample) result.inSample = meta.inSample;
  if (meta.rolling) result.rolling = meta.rolling;
  return result;
}

/** Kupiec's proportion-of-failures likelihood ratio for x exceptions in n days at expected rate p; χ²₁. */
export function kupiecPof(n: number, x: number, p: number): LikelihoodRatio {
  const rate = x / n;
  const lr = -2 * (xlogy(n - x, 1 - p) + xlogy(x, p)) + 2 * (xlogy(n - x, 1 - rate) + xlogy(x, rate));
  const clamped = Math.max(0, lr); // rounding can leave −1e-15 when x/n equals p
  return { lr: clamped, pValue: chiSquareSurvival(clamped, 1) };
}

/**
 * Christoffersen's independence likelihood ratio from the first-order transition counts of the hit sequence
 * (n_ij = days with state j following a day with state i); χ²₁.
 */
export function christoffersenIndependence(hits: ArrayLike<boolean>): LikelihoodRatio & { n00: number; n01: number; n10: number; n11: number } {
  let n00 = 0, n01 = 0, n10 = 0, n11 = 0;
  for (let i = 1; i < hits.length; i++) {
    if (hits[i - 1]) hits[i] ? n11++ : n10++;
    else hits[i] ? n01++ : n00++;
  }
  const pi0 = n00 + n01 > 0 ? n01 / (n00 + n01) : 0;
  const pi1 = n10 + n11 > 0 ? n11 / (n10 + n11) : 0;
  const total = n00 + n01 + n10 + n11;
  const pi = total > 0 ? (n01 + n11) / total : 0;
  const restricted = xlogy(n00 + n10, 1 - pi) + xlogy(n01 + n11, pi);
  const unrestricted = xlogy(n00, 1 - pi0) + xlogy(n01, pi0) + xlogy(n10, 1 - pi1) + xlogy(n11, pi1);
  const lr = Math.max(0, -2 * restricted + 2 * unrestricted);
  return { lr, pValue: chiSquareSurvival(lr, 1), n00, n01, n10, n11 };
}

/**
 * The Basel traffic light for `exceptions` in `days` at confidence `level`: green while P(X ≤ x) < 0.95, yellow while
 * < 0.9999, red beyond (X ~ Binomial(days, 1 − level)). At 99% over 250 days: green ≤ 4, yellow 5–9, red ≥ 10.
 */
export function trafficLight(exceptions: number, days: number, level: number): TrafficLight {
  const cumulativeProbability = binomialCdf(exceptions, days, 1 - level);
  const zone: TrafficZone = cumulativeProbability < 0.95 ? 'green' : cumulativeProbability < 0.9999 ? 'yellow' : 'red';
  return { zone, exceptions, days, cumulativeProbability };
}

/** n·ln(p) with the convention 0·ln 0 = 0. */
function xlogy(n: number, p: number): number {
  return n === 0 ? 0 : n * Math.log(p);
}
