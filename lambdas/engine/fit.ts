// The fit step: full regression, screening, final regression, LASSO confirmation, warnings; and the factor model
// the simulation consumes. Pure: no I/O.
import { SingularValueDecomposition } from 'ml-matrix';
import type { Settings } from './config.ts';
import { householderQr, upperTriangular } from './diagnostics.ts';
import { lassoCvDetailed } from './lasso.ts';
import { ols } from './ols.ts';
import { screen } from './screening.ts';
import { InputError, type FactorModel, type FitResult, type ReturnsData } from './types.ts';

/**
 * Singular-value ratio below which the standardized factor matrix counts as rank-deficient. Exact linear
 * combinations land near 1e-16; 1e-10 corresponds to a VIF around 1e20, far beyond any usable model.
 */
const COLLINEAR_RATIO = 1e-10;
/** a factor belongs to a collinear set when its weight in a null vector exceeds this */
const NULL_WEIGHT = 1e-6;

export function fitModel(data: ReturnsData, settings: Settings): FitResult {
  return withLasso(fitRegression(data, settings), data, settings);
}

/** The fit without the LASSO cross-check: everything the simulated model needs (the CLI runs the check meanwhile). */
export type Regressions = Omit<FitResult, 'lasso'>;

export function fitRegression(data: ReturnsData, settings: Settings): Regressions {
  validate(data, settings);
  const { y, X, candidates } = data;
  const n = y.length;
  const full = ols(y, X, candidates);
  const outcome = screen(y, X, candidates, settings, full);
  const selected = outcome.selected;
  // nothing screened out: the final regression is the full one (a copy, so neither is changed through the other)
  const final = selected.length === candidates.length ? structuredClone(full) : ols(y, columns(data, selected), selected);
  const warnings = [...outcome.warnings];
  const adequate = final.r2 >= settings.r2Threshold;
  if (!adequate) {
    warnings.push(
      `final R² ${final.r2.toFixed(4)} is below r2Threshold ${settings.r2Threshold}: the selected factors explain too ` +
        `little of "${data.portfolio}", so a factor-only VaR understates its risk (consider residual "normal")`,
    );
  }
  return {
    observations: n,
    window: { start: data.dates[0], end: data.dates[n - 1] },
    portfolio: data.portfolio,
    candidates: [...candidates],
    full,
    screening: outcome.screening,
    selected,
    final,
    adequate,
    warnings,
  };
}

/** The LASSO cross-check of a fit (it never changes the model): its result and warnings added. */
export function withLasso(fit: Regressions, data: ReturnsData, settings: Settings): FitResult {
  const lasso = lassoCvDetailed(data.y, data.X, data.candidates, {
    alphas: settings.lassoAlphas,
    eps: settings.lassoEps,
    folds: settings.lassoFolds,
  });
  const warnings = [...fit.warnings];
  const zeroed = fit.selected.filter((f) => !lasso.result.cvSelected.includes(f));
  if (zeroed.length > 0) {
    warnings.push(`LASSO at the cross-validated α sets ${quoteList(zeroed)} to zero although screening selected ${zeroed.length > 1 ? 'them' : 'it'}`);
  }
  if (lasso.result.selected1se.length === 0) {
    warnings.push('LASSO with the 1-SE rule selects no factor: by cross-validation no factor predicts the portfolio better than its mean');
  }
  if (lasso.unconverged > 0) {
    warnings.push(`LASSO coordinate descent did not converge for ${lasso.unconverged} α value(s); its path may be inexact`);
  }
  return { ...fit, warnings, lasso: lasso.result };
}

/** β and α of the final regression, s² = SSR/(n−k−1), and the window's mean and sample covariance of its factors. */
export function factorModel(fit: Regressions, data: ReturnsData): FactorModel {
  const factors = [...fit.final.factors];
  const n = data.y.length;
  const beta = factors.map((f) => fit.final.coefficients[f].estimate);
  const residuals = fit.final.residuals;
  const residualVariance = residuals
    ? residuals.reduce((s, e) => s + e * e, 0) / (n - factors.length - 1)
    : fit.final.residualStdError ** 2;
  const universe = moments(data.candidates, columns(data, data.candidates), n);
  const pick = factors.map((f) => universe.factors.indexOf(f));
  const mu = pick.map((i) => universe.mu[i]);
  const cov = pick.map((i) => pick.map((j) => universe.cov[i][j]));
  return { factors, beta, alpha: fit.final.coefficients.const.estimate, residualVariance, mu, cov, universe };
}

/** Sample mean and covariance (n − 1) of the named columns. */
function moments(factors: string[], cols: Float64Array[], n: number): { factors: string[]; mu: number[]; cov: number[][] } {
  const mu = cols.map((c) => c.reduce((s, v) => s + v, 0) / n);
  const cov = cols.map((a, i) =>
    cols.map((b, j) => {
      let s = 0;
      for (let t = 0; t < n; t++) s += (a[t] - mu[i]) * (b[t] - mu[j]);
      return s / (n - 1);
    }),
  );
  return { factors: [...factors], mu, cov };
}

function columns(data: ReturnsData, names: string[]): Float64Array[] {
  return names.map((name) => {
    const j = data.candidates.indexOf(name);
    if (j < 0) throw new Error(`factor "${name}" is not a candidate`);
    return data.X[j];
  });
}

function quoteList(names: string[]): string {
  return names.map((n) => `"${n}"`).join(', ');
}

/** Refuses what no regression can fit, naming the file and the column: FILE:1:COLUMN. */
function validate(data: ReturnsData, settings: Settings): void {
  const { source, y, X, candidates, headerColumns } = data;
  const n = y.length;
  const k = candidates.length;
  const col = (name: string) => headerColumns[name] ?? 1;
  if (X.length !== k) throw new Error(`ReturnsData: ${k} candidates but ${X.length} columns`);
  if (k === 0) throw new InputError(source, 1, 1, 'no factor columns: need at least one factor besides the portfolio');
  if (n < k + 2) {
    throw new InputError(source, 1, 1, `fewer rows than factors + 2: ${n} returns for ${k} factors (need at least ${k + 2})`);
  }
  for (const name of settings.retain) {
    if (!candidates.includes(name)) throw new InputError(source, 1, 1, `retain names "${name}", which is not a candidate factor (${candidates.join(', ')})`);
  }
  const constant = (c: Float64Array) => c.every((v) => v === c[0]);
  if (constant(y)) {
    throw new InputError(source, 1, col(data.portfolio), `column "${data.portfolio}" is constant over the window: nothing to explain`);
  }
  candidates.forEach((name, j) => {
    if (constant(X[j])) {
      throw new InputError(source, 1, col(name), `column "${name}" is constant over the window: it cannot be a factor (it duplicates the intercept); remove it`);
    }
  });
  if (n < 2 * settings.lassoFolds) {
    throw new InputError(source, 1, 1, `${n} returns are too few for lassoFolds ${settings.lassoFolds} (need at least ${2 * settings.lassoFolds})`);
  }
  const members = collinearSet(X, candidates);
  if (members.length > 0) {
    throw new InputError(
      source,
      1,
      col(members[0]),
      `columns ${quoteList(members)} are perfectly collinear (one is a linear combination of the others and the ` +
        'intercept): remove one of them',
    );
  }
}

/**
 * Members (candidate order) of the linear dependencies among the centered, scaled factors: the factors with weight in
 * the right singular vectors of (near-)zero singular values. Empty when the design has full rank.
 * The SVD is of R from a QR of the n×k columns: the same singular values and right singular vectors as the n×k
 * matrix itself, without an n-row matrix (ml-matrix keeps one object per row: ~1 GB at 10^6 rows with U).
 */
function collinearSet(X: Float64Array[], names: string[]): string[] {
  const n = X[0].length;
  const k = X.length;
  if (k < 2) return [];
  const scaled = X.map((c) => {
    const m = c.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(c.reduce((s, v) => s + (v - m) ** 2, 0) / n);
    return c.map((v) => (v - m) / sd);
  });
  const svd = new SingularValueDecomposition(upperTriangular(householderQr(scaled)), { computeLeftSingularVectors: false });
  const s = svd.diagonal;
  const v = svd.rightSingularVectors;
  const top = Math.max(...s);
  const inSet = new Set<number>();
  s.forEach((sv, m) => {
    if (sv > COLLINEAR_RATIO * top) return;
    for (let j = 0; j < k; j++) if (Math.abs(v.get(j, m)) > NULL_WEIGHT) inSet.add(j);
  });
  return names.filter((_, j) => inSet.has(j));
}
