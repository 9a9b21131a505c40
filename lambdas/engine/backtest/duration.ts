// Christoffersen & Pelletier's (2004) duration test of independent exceptions. Pure.
import { chiSquareSurvival } from '../chi-square.ts';

/** the Weibull shape is searched in this interval (rugarch's VaRDurTest uses the same bounds) */
export const SHAPE_BOUNDS: readonly [number, number] = [1e-3, 10];

export interface DurationTest {
  /** LR = 2(ln L(â, b̂) − ln L(â₁, 1)), Weibull against its exponential special case; χ²₁ */
  lr: number;
  pValue: number;
  /** b̂: < 1 means a decreasing hazard (exceptions cluster), > 1 evenly spaced exceptions */
  shape: number;
  /** durations in the likelihood, including the censored head and tail */
  durations: number;
  censored: number;
  logLikelihood: number;
}

/**
 * Durations between exceptions (days), with the paper's censoring: when day 1 is not an exception the first duration
 * is the days up to the first exception and enters through the survival function; likewise the days after the last
 * exception when the last day is not one. The Weibull scale has a closed-form maximum for each shape
 * (a^b = uncensored / Σ D^b), so the profile score in b is monotone decreasing and solved by bisection.
 * Null with fewer than 2 exceptions: no complete duration, nothing to test.
 */
export function durationTest(hits: ArrayLike<boolean>): DurationTest | null {
  const T = hits.length;
  const days: number[] = [];
  for (let t = 0; t < T; t++) if (hits[t]) days.push(t + 1);
  if (days.length < 2) return null;
  const d: number[] = [];
  const censored: boolean[] = [];
  if (!hits[0]) { d.push(days[0]); censored.push(true); }
  for (let i = 1; i < days.length; i++) { d.push(days[i] - days[i - 1]); censored.push(false); }
  if (!hits[T - 1]) { d.push(T - days[days.length - 1]); censored.push(true); }
  const logD = d.map(Math.log);
  let nU = 0, sumLogU = 0;
  for (let i = 0; i < d.length; i++) if (!censored[i]) { nU++; sumLogU += logD[i]; }
  const maxLog = Math.max(...logD);
  // ln Σ D^b, stable for large b
  const logS = (b: number) => b * maxLog + Math.log(logD.reduce((s, l) => s + Math.exp(b * (l - maxLog)), 0));
  const score = (b: number) => {
    let w = 0, wl = 0;
    for (const l of logD) { const e = Math.exp(b * (l - maxLog)); w += e; wl += e * l; }
    return nU / b + sumLogU - (nU * wl) / w;
  };
  // profile log-likelihood: Σ_u [ln b + b ln a + (b−1) ln D] − a^b Σ D^b with a^b = nU / Σ D^b
  const logLik = (b: number) => nU * (Math.log(nU) - logS(b) + Math.log(b)) + (b - 1) * sumLogU - nU;
  let [lo, hi] = SHAPE_BOUNDS;
  let b: number;
  if (score(hi) > 0) b = hi;
  else if (score(lo) < 0) b = lo;
  else {
    for (let i = 0; i < 200 && hi - lo > 1e-15 * hi; i++) {
      const mid = 0.5 * (lo + hi);
      if (score(mid) > 0) lo = mid; else hi = mid;
    }
    b = 0.5 * (lo + hi);
  }
  const ll = logLik(b);
  const lr = Math.max(0, 2 * (ll - logLik(1)));
  return { lr, pValue: chiSquareSurvival(lr, 1), shape: b, durations: d.length, censored: censored.filter(Boolean).length, logLikelihood: ll };
}
