// The contracts of varstream: one name per concept, the same in code, JSON, DynamoDB and README.
// Every module of the engine, the handlers and the local stack codes against these types.
import type { ModelComparison } from './backtest/compare.ts';
import type { ModelName } from './models/types.ts';

// InputError lives with the other user-facing errors; re-exported here for the engine's many importers.
export { InputError } from '../contracts/errors.ts';
import type { RunRef, Timings } from '../contracts/run.ts';
import type { Transfer } from './shard-types.ts';

// The shard ↔ reducer messages live in shard-types.ts; re-exported for the engine's many importers.
export type { AttributionSums, Selection, ShardDescriptor, ShardPartial, ShardPartialHead, Transfer } from './shard-types.ts';

/** The parsed, validated, date-sorted, window-cut returns (never prices: --prices converts first). */
export interface ReturnsData {
  /** file name used in error messages and lineage */
  source: string;
  /** ISO dates ascending, one per observation */
  dates: string[];
  /** the portfolio column's name and its returns */
  portfolio: string;
  y: Float64Array;
  /** candidate factor names in CSV order (or --factors order), and one column of returns per factor */
  candidates: string[];
  X: Float64Array[];
  /** 1-based column of each named column in the CSV header, so later errors can point at FILE:1:COLUMN */
  headerColumns: Record<string, number>;
  /** 'simple' or 'log' when --prices converted levels to returns; 'returns' when the CSV held returns */
  returnKind: 'returns' | 'simple' | 'log';
}

export interface Coefficient {
  estimate: number;
  stdError: number;
  tStat: number;
  pValue: number;
}

/** One OLS fit with statsmodels-0.13-equal diagnostics. */
export interface Regression {
  factors: string[];
  observations: number;
  r2: number;
  adjR2: number;
  fStat: number;
  fPValue: number;
  residualStdError: number;
  durbinWatson: number;
  /** "const" first, then each factor */
  coefficients: Record<string, Coefficient>;
  vif: Record<string, number>;
  jarqueBera: { stat: number; pValue: number; skew: number; kurtosis: number };
  breuschPagan: { stat: number; pValue: number };
  /** [theoretical normal quantile, standardized residual] ascending */
  qq: Array<[number, number]>;
  /** residuals in date order (not in JSON output by default; used by report/backtest) */
  residuals?: number[];
}

export interface ScreeningStep {
  factor: string;
  reason: 'vif' | 'pValue';
  value: number;
}

export interface LassoResult {
  alphas: number[];
  /** factor -> coefficient (standardized scale) at each alpha */
  coefficients: Record<string, number[]>;
  cvAlpha: number;
  cvSelected: string[];
  alpha1se: number;
  selected1se: string[];
  /** mean and standard error of the CV MSE at each alpha */
  cvMse: number[];
  cvMseSe: number[];
}

export interface FitResult {
  observations: number;
  window: { start: string; end: string };
  portfolio: string;
  candidates: string[];
  full: Regression;
  screening: {
    vif: Array<{ factor: string; vif: number }>;
    pValue: Array<{ factor: string; pValue: number }>;
    steps: ScreeningStep[];
  };
  selected: string[];
  final: Regression;
  adequate: boolean;
  warnings: string[];
  lasso: LassoResult;
}

/** Everything the simulation needs; derived from the final regression and the window's factor moments. */
export interface FactorModel {
  factors: string[];
  /** β of the final OLS, aligned with factors */
  beta: number[];
  /** intercept α of the final OLS (used only with settings.intercept) */
  alpha: number;
  /** s² = residual variance of the final OLS (SSR / (n − k − 1)) */
  residualVariance: number;
  /** sample mean of each factor over the window */
  mu: number[];
  /** sample covariance (n − 1) of the factors over the window, row-major k×k */
  cov: number[][];
  /**
   * μ and Σ of ALL candidate factors over the window (the selected ones included), so a stress shock may name a factor
   * that screening dropped (VIX) and still move the selected factors through their conditional expectation.
   */
  universe?: { factors: string[]; mu: number[]; cov: number[][] };
  /**
   * hs/fhs only: the L equally likely scenario days, one column per factor (the pseudo-factor "residual" last); a day's
   * return is Σ_j β_j·scenarios[j][s] (scenario-sampler.ts). μ and Σ are then the scenarios' own moments. Shards
   * need them; the run JSON leaves them out (a function of the input file).
   */
  scenarios?: number[][];
}

export type Distribution = 'normal' | 't';
export type ResidualMode = 'none' | 'normal';

/** Settings of a simulation, as carried in shard descriptors and the run JSON. */
export interface SimulationSettings {
  simulations: number;
  shards: number;
  seed: number;
  distribution: Distribution;
  /** degrees of freedom for distribution 't' (> 2); null for normal */
  df: number | null;
  residual: ResidualMode;
  intercept: boolean;
  horizon: number;
  /** the risk model (README "Models"); absent = "normal" */
  model?: ModelName;
  /** EWMA decay of ewma / ewma-t */
  lambda?: number;
  /** fitted parameters of the model (ν as df; GARCH omega, alpha, beta and the day's variance) */
  parameters?: Record<string, number>;
  /** bootstrap replicates behind risk[level].bootstrapCi95 */
  bootstrap?: number;
  /** scenario days of hs / fhs */
  lookback?: number;
  /**
   * hs / fhs only: true when the risk numbers are the exact enumeration of the `lookback` scenarios (horizon 1: no
   * Monte Carlo, simulations = lookback, standardError 0); false for h > 1 (iid resampling of whole scenario days)
   */
  exact?: boolean;
}

/** The engine's port for large binary objects (S3 on AWS, local S3 on a laptop, memory in tests). */
export interface BlobStore {
  put(key: string, body: Uint8Array): Promise<string>;
  get(ref: string): Promise<Uint8Array>;
}

export interface RiskLevel {
  quantile: number;
  var: number;
  es: number;
  analyticVar: number;
  analyticEs: number;
  /** 'exact': analyticVar/analyticEs are this model's closed form; 'approximation': the normal one (t over h > 1 days) */
  analytic?: 'exact' | 'approximation';
  /** percentile 95 % interval of the one-day VaR over settings.bootstrap re-fits on resampled windows (models/bootstrap.ts) */
  bootstrapCi95?: [number, number];
  standardError: number;
  ci95: [number, number];
  /** money amounts when settings.value is given */
  varValue?: number;
  esValue?: number;
  /** this level's component VaR (Euler, closed form) and ES (tail samples) per factor, intercept and residual */
  attribution?: Record<string, Component>;
}

/** One row of an attribution: the components sum over the rows to the level's analyticVar and es. */
export interface Component {
  componentVar: number;
  componentEs: number;
}

export interface StressResult {
  shock: Record<string, number>;
  direct: number;
  conditional: number;
  /** conditional expectation of every factor given the shock */
  factors: Record<string, number>;
}

/** The run JSON: `varstream run --json`, the DynamoDB item's body and the API's answer share it. */
export interface RunResult extends FitResult {
  model: FactorModel;
  simulation: SimulationSettings;
  risk: Record<string, RiskLevel>;
  /** the first confidence level's attribution (the same as risk[first level].attribution), kept for compatibility */
  attribution: Record<string, Component>;
  stress: StressResult[];
  timings: Timings;
  value?: number;
  /** optional histogram of all simulated returns (split-invariant: fixed bins, summed counts); the report draws it */
  histogram?: Histogram;
  /** what the shards shipped to the reducer (depends on the shard count; the risk numbers do not) */
  transfer?: Transfer;
  /** the model comparison the setting `backtest` asks for */
  backtest?: ModelComparison;
}

/** counts[i] simulated returns in [edges[i], edges[i+1]); edges ascending, one more than counts. */
export interface Histogram {
  edges: number[];
  counts: number[];
}

/** SKIPPED: nothing ran, and `error` says why (an upload outside uploads/<portfolioId>/<name>.csv, a schedule miss). */
export type RunStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'SKIPPED';

/** A stored run: the RunResult (once SUCCEEDED) plus identity, status and lineage. */
export interface RunRecord extends Partial<RunResult>, RunRef {
  status: RunStatus;
  finishedAt?: string;
  settings?: Record<string, unknown>;
  error?: string;
  reportKey?: string;
}
