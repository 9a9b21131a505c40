// Risk numbers from the merged tail: VaR/ES per level, closed-form cross-checks, Euler attribution, stress.
//
// Every reported number is a function of the global tail (split-invariant by construction) and of the model:
// - quantile: numpy.percentile's linear interpolation at (N−1)q, q = 1 − c; var = −quantile
// - es: −(exact sum of the ⌈Nq⌉ smallest samples, rounded once)/⌈Nq⌉
// - ci95: distribution-free 95% interval of var from the order statistics at ranks Nq ∓ 1.96·sqrt(Nq(1−q)), rounded
//   outward and clamped to [1, N]: [−x_(upper rank), −x_(lower rank)]
// - standardError of var: the width of that interval / (2·1.96) (order-statistic based, no density estimate)
// - analyticVar/analyticEs: closed forms. Normal model, h days: mean h·m, sd sqrt(h)·σ with m = βᵀμ (+ α with
//   intercept), σ² = βᵀΣβ (+ s² with residual normal). Distribution 't' with h = 1 and no residual: the Student-t
//   closed form (scaled to covariance Σ); 't' plus a normal residual at h = 1: the exact 1-D quadrature over the χ²
//   mixing variable (models/t-mixture.ts). A sum of h > 1 t days has no closed form: 't' then reports the normal one
//   as `analytic: "approximation"` (no z-score against it). hs/fhs (model.scenarios) over one day: the samples are the
//   scenarios, so analyticVar/Es are their enumeration (scenario-sampler.ts), equal to var/es, and standardError is 0;
//   over h > 1 days the normal form of the scenarios' moments, an approximation.
// Attribution at every confidence level (risk.L.attribution; the run's top-level `attribution` is the first level's):
// - componentVar (Euler, closed form): analyticVar = −h·m + κ·sqrt(h)·σ with κ = −z_q (or the t analogue), so
//   componentVar_j = −h β_j μ_j + κ sqrt(h) β_j (Σβ)_j / σ, "intercept" = −h α, "residual" = κ sqrt(h) s² / σ;
//   they sum to analyticVar exactly. hs/fhs over one day: the VaR scenario's own decomposition. For t plus residual the two κ's are the quadrature's ∂VaR/∂a and ∂VaR/∂s (VaR is
//   homogeneous of degree 1 in (m, a, s)), so the components again sum to the exact analyticVar.
// - componentEs_j = −(exact sum over the ⌈Nq⌉ tail samples of β_j Σ_d F_{j,d})/⌈Nq⌉, each regenerated from (seed,
//   sample index): in the shards below the lower edge of the bracket holding the level's last ES rank (one band per
//   bracket edge, so every level has its exact sums), here inside it; "intercept" = −h α and "residual" = the same over
//   Σ_d ε_d; they sum to es (up to rounding).
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import normalPdf from '@stdlib/stats-base-dists-normal-pdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { usesStudentTClosedForm, usesTMixtureClosedForm } from './closed-form.ts';
import { horizonVarianceFactor } from './garch-path.ts';
import { mixtureRisk } from './models/t-mixture.ts';
import { selectExactly } from './selection.ts';
import { samplerFor, type Sampler } from './sampler.ts';
import { enumeratedRisk } from './scenario-sampler.ts';
import { Attribution, dailyMoments, histogramEdges, simulateShardPacked } from './simulate.ts';
import { stressTest } from './stress.ts';
import { TailMerger, tailRanks, type PackedPartial } from './tail.ts';
import type { Component, FactorModel, Histogram, RiskLevel, ShardPartial, SimulationSettings, StressResult, Transfer } from './types.ts';

export interface ReduceOptions {
  value?: number;
  shocks?: Array<Record<string, number>>;
}

export interface Reduced {
  risk: Record<string, RiskLevel>;
  /** the first level's (risk[first].attribution) */
  attribution: Record<string, Component>;
  stress: StressResult[];
  /** every sample in fixed bins (simulate.ts histogramEdges), when every partial carried its counts */
  histogram?: Histogram;
  /** what the shards shipped, over every pass */
  transfer: Transfer;
}

/** Level key of a confidence: String(c), e.g. "0.99". */
export function levelKey(confidence: number): string {
  return String(confidence);
}

export interface Analytic {
  var: number;
  es: number;
  /** κ with var = −h·m + κ·sqrt(h)·σ (normal and Student-t forms) */
  kappa: number;
  mean: number;
  sd: number;
  /** Euler: ∂var/∂(βᵀΣβ) and ∂var/∂s² times 2, so componentVar_j = −hβ_jμ_j + factorKappa·β_j(Σβ)_j, residual = residualKappa·s² */
  factorKappa: number;
  residualKappa: number;
  /** true for the t + residual quadrature: the two κ's differ; otherwise one κ·√h/σ serves both */
  mixture: boolean;
  /** false when no closed form of this model exists and var/es are the normal approximation (t over h > 1 days) */
  exact: boolean;
  /** hs/fhs at one day: each column's componentVar (the VaR scenario's decomposition), summing to var */
  components?: number[];
}

/** Closed-form VaR/ES (see the header comment for which model). */
export function analyticRisk(model: FactorModel, simulation: SimulationSettings, confidence: number): Analytic {
  const { q } = tailRanks(2, confidence);
  const h = simulation.horizon;
  const { mean: m, variance } = dailyMoments(model, simulation);
  const sd = Math.sqrt(variance);
  if (model.scenarios !== undefined && h === 1) {
    // hs/fhs over one day: the exact enumeration of the scenarios (the run's samples are those scenarios)
    const e = enumeratedRisk(model, confidence);
    return { var: e.var, es: e.es, kappa: (e.var + m) / sd, mean: m, sd, factorKappa: 0, residualKappa: 0, mixture: false, exact: true, components: e.components };
  }
  if (usesTMixtureClosedForm(simulation)) {
    // t factors plus a normal residual: exact by the 1-D quadrature over the χ² mixing variable
    const nu = simulation.df;
    const { a, s } = mixtureScales(model, simulation);
    const r = mixtureRisk(m, a, s, nu, q);
    return {
      var: r.var, es: r.es, kappa: (r.var + m) / sd, mean: m, sd, exact: true, mixture: true,
      factorKappa: a > 0 ? (r.dVarDa * (nu - 2)) / (nu * a) : 0,
      residualKappa: s > 0 ? r.dVarDs / s : 0,
    };
  }
  let kappa: number;
  let esKappa: number;
  if (usesStudentTClosedForm(simulation)) {
    const nu = simulation.df;
    const tq = tQuantile(q, nu);
    const scale = Math.sqrt((nu - 2) / nu);
    kappa = -scale * tq;
    esKappa = (scale * ((nu + tq * tq) / (nu - 1)) * tPdf(tq, nu)) / q;
  } else {
    const zq = normalQuantile(q, 0, 1);
    kappa = -zq;
    esKappa = normalPdf(zq, 0, 1) / q;
  }
  const rootH = Math.sqrt(horizonVarianceFactor(simulation));
  const euler = sd > 0 ? (kappa * rootH) / sd : 0;
  return {
    var: -h * m + kappa * rootH * sd, es: -h * m + esKappa * rootH * sd, kappa, mean: m, sd,
    // a sum of h resampled scenario days (hs/fhs) or of h t days has no closed form: the normal one approximates it
    factorKappa: euler, residualKappa: euler, exact: h === 1 || (simulation.distribution !== 't' && model.scenarios === undefined), mixture: false,
  };
}

/**
 * t factors plus a normal residual over one day (usesTMixtureClosedForm): X = m + a·√(ν/W)·Z₁ + s·Z₂ with W ~ χ²_ν,
 * a the factors' t scale (a²·ν/(ν − 2) = the factor variance βᵀΣβ) and s the residual's standard deviation.
 */
export function mixtureScales(model: FactorModel, simulation: SimulationSettings & { df: number }): { m: number; a: number; s: number } {
  const { mean, variance } = dailyMoments(model, simulation);
  const nu = simulation.df;
  return { m: mean, a: Math.sqrt(((nu - 2) / nu) * (variance - model.residualVariance)), s: Math.sqrt(model.residualVariance) };
}

/**
 * Reduces a complete merger (or a complete set of partials) of pass 1 to the run's risk, attribution and stress. If a
 * bracket missed a needed rank (rare: selection.ts), the shards' ranges are simulated again here, in-process, with
 * brackets from pass 1's histogram: the numbers are exact either way, and `transfer.passes` says what happened.
 */
export function reduceRisk(
  source: TailMerger | Array<ShardPartial | PackedPartial>,
  model: FactorModel,
  simulation: SimulationSettings,
  confidence: number[],
  options: ReduceOptions = {},
): Reduced {
  const n = simulation.simulations;
  let first: TailMerger;
  if (source instanceof TailMerger) first = source;
  else {
    first = new TailMerger(n);
    for (const p of source) first.add(p);
  }
  if (first.simulations !== n) throw new Error(`merger holds ${first.simulations} simulations, settings say ${n}`);
  if (!first.complete) throw new Error(`partials cover ${first.covered} of ${n} samples`);
  const { merger, transfer } = selectExactly(first, confidence, histogramEdges(model, simulation).edges, (selection, ranges) =>
    ranges.map((r) => simulateShardPacked({ ...r, simulations: n, model, simulation, selection })),
  );

  const risk: Record<string, RiskLevel> = {};
  const generator = samplerFor(model, simulation);
  for (const c of confidence) {
    const r = tailRanks(n, c);
    const a = merger.orderStatistic(r.lower);
    const b = merger.orderStatistic(r.upper);
    // numpy's _lerp: a + (b−a)·t, computed from the upper end when t ≥ 0.5
    const diff = b - a;
    const quantile = r.frac >= 0.5 ? b - diff * (1 - r.frac) : a + diff * r.frac;
    // the exact sum of the ⌈Nq⌉ smallest, rounded once: the same for every split and arrival order
    const es = -merger.sumSmallest(r.esCount) / r.esCount;
    const lo = merger.orderStatistic(r.ciLower - 1);
    const hi = merger.orderStatistic(r.ciUpper - 1);
    const an = analyticRisk(model, simulation, c);
    const level: RiskLevel = {
      quantile,
      var: -quantile,
      es,
      analyticVar: an.var,
      analyticEs: an.es,
      analytic: an.exact ? 'exact' : 'approximation',
      // an enumeration (hs/fhs at one day) has no simulation error
      standardError: simulation.exact ? 0 : (hi - lo) / (2 * 1.96),
      ci95: simulation.exact ? [-quantile, -quantile] : [-hi, -lo],
    };
    if (options.value !== undefined) {
      level.varValue = options.value * level.var;
      level.esValue = options.value * es;
    }
    level.attribution = attribute(model, simulation, c, an, merger, n, generator);
    risk[levelKey(c)] = level;
  }

  const attribution = risk[levelKey(confidence[0])].attribution!;
  const stress = (options.shocks ?? []).map((s) => stressTest(model, s));
  const reduced: Reduced = { risk, attribution, stress, transfer };
  const counts = merger.histogramCounts();
  if (counts !== undefined) reduced.histogram = { edges: histogramEdges(model, simulation).edges, counts };
  return reduced;
}

function attribute(
  model: FactorModel,
  simulation: SimulationSettings,
  confidence: number,
  an: ReturnType<typeof analyticRisk>,
  merger: TailMerger,
  n: number,
  generator: Sampler,
): Record<string, Component> {
  const k = model.factors.length;
  const h = simulation.horizon;
  const rootH = Math.sqrt(horizonVarianceFactor(simulation));
  const out: Record<string, Component> = {};
  const { esCount } = tailRanks(n, confidence);
  // the shards summed their samples below the level's bracket; the bracket's own ES samples are decomposed here
  const sums = merger.attributionOf(esCount, k);
  const attribution = new Attribution(generator);
  // ascending sample order: samples of one block are then regenerated without replaying it (the sums are exact,
  // so the order does not change them)
  for (const i of sums.indices.slice().sort()) attribution.add(i);
  const parts = attribution.factors; // a getter that flushes every factor's sum: read it once
  sums.factors.forEach((s, j) => s.merge(parts[j]));
  sums.residual.merge(attribution.residual);
  for (let j = 0; j < k; j++) {
    let sb = 0;
    for (let i = 0; i < k; i++) sb += model.cov[j][i] * model.beta[i];
    out[model.factors[j]] = {
      // the one-κ form keeps its historical operation order: the paper model's numbers stay bit-identical
      componentVar: an.components ? an.components[j] : -h * model.beta[j] * model.mu[j] + (an.mixture ? an.factorKappa * model.beta[j] * sb : (an.kappa * rootH * model.beta[j] * sb) / an.sd),
      componentEs: -sums.factors[j].value() / esCount,
    };
  }
  if (simulation.intercept) out.intercept = { componentVar: -h * model.alpha, componentEs: -h * model.alpha };
  if (simulation.residual === 'normal') {
    out.residual = { componentVar: an.mixture ? an.residualKappa * model.residualVariance : (an.kappa * rootH * model.residualVariance) / an.sd, componentEs: -sums.residual.value() / esCount };
  }
  return out;
}

/** Student-t density via a Lanczos log-gamma. */
export function tPdf(x: number, nu: number): number {
  const logc = lgamma((nu + 1) / 2) - lgamma(nu / 2) - 0.5 * Math.log(nu * Math.PI);
  return Math.exp(logc - ((nu + 1) / 2) * Math.log1p((x * x) / nu));
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; ~15 significant digits). */
export function lgamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lgamma(1 - x);
  const y = x - 1;
  let a = LANCZOS[0];
  const t = y + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}
