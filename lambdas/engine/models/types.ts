// The contract of the risk models: a pure function of the data up to day t−1 that forecasts day t's VaR and ES.
// Every model reads the same ModelHistory (the file's whole daily history up to t−1, the model's factors only) and the
// same fitted linear factor model (β, α, s² from the OLS of the fit window), so models differ only in how they
// describe tomorrow's factor returns and residual.

import type { FactorModel } from '../types.ts';

export const MODEL_NAMES = ['normal', 't', 'ewma', 'ewma-t', 'fhs', 'hs', 'garch-t'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

/** Ascending daily returns; the last row is day t−1 (the day before the forecast). */
export interface ModelHistory {
  dates: string[];
  portfolio: Float64Array;
  /** one column per factor, aligned with factorNames (the fitted model's factors, in its order) */
  factors: Float64Array[];
  factorNames: string[];
}

/** The OLS of the fit window (the FactorModel's regression part). fitStart (inclusive) and fitEnd (exclusive) index ModelHistory's rows. */
export interface FittedFactorModel extends Pick<FactorModel, 'factors' | 'beta' | 'alpha' | 'residualVariance'> {
  fitStart: number;
  fitEnd: number;
}

export interface ModelOptions {
  /** EWMA decay λ in (0, 1) (ewma, ewma-t, fhs) */
  lambda: number;
  /** scenarios of hs/fhs: the last `lookback` days; undefined = the model's default (hs 250, fhs 500) */
  lookback?: number;
  /** Student-t degrees of freedom (> 2) of t / ewma-t / garch-t; undefined = maximum likelihood */
  df?: number;
  /** normal only (the paper's model): 'normal' adds the fit window's residual N(0, s²); the other models always do */
  residual?: 'none' | 'normal';
  /** normal and t: add the regression α to the day's mean */
  intercept?: boolean;
}

/** A one-day forecast; var/es keyed by String(level), positive losses. exact: closed form or enumeration, no MC. */
export interface DayForecast {
  var: Record<string, number>;
  es: Record<string, number>;
  exact: boolean;
  varCi?: Record<string, [number, number]>;
  /** the fitted parameters the forecast used (ν as df; GARCH omega, alpha, beta), for reports and tests */
  parameters?: Record<string, number>;
}

export const DEFAULT_LAMBDA = 0.94;

/**
 * Scenario numbers (days × columns) one shard descriptor may carry: each descriptor holds the model, and a Step
 * Functions Map item is at most 256 KB; 8,000 doubles as JSON are ≈ 180 KB. With the residual column alone this is
 * the longest `lookback` any run can take, so the settings schema refuses more before reading the data.
 */
export const MAX_SCENARIO_NUMBERS = 8000;

export const DEFAULT_LOOKBACK: Record<'hs' | 'fhs', number> = { hs: 250, fhs: 500 };
/**
 * The EWMA recursion's seed: Σ for the day after the first EWMA_SEED_DAYS rows is their zero-mean second moment
 * (1/20)·Σ F_s F_sᵀ (and likewise for the residual). Averaging 20 days instead of one outer product keeps the seed
 * positive definite; with λ = 0.94 its weight after the ~250 days before any fit window is 0.94^250 ≈ 2e−7.
 */
export const EWMA_SEED_DAYS = 20;
