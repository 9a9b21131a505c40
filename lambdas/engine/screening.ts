// Factor screening of the source method: VIF loop, then backward elimination on p-values.
import { leastSquares, tPValue, varianceInflation } from './diagnostics.ts';
import type { FitResult, Regression, ScreeningStep } from './types.ts';

export interface ScreeningOptions {
  vifThreshold: number;
  pValueThreshold: number;
  /** names exempt from both dropping steps */
  retain: string[];
}

export interface ScreeningOutcome {
  screening: FitResult['screening'];
  /** surviving factors, in candidate order */
  selected: string[];
  warnings: string[];
}

/**
 * 1. While the largest VIF among the non-retained remaining factors exceeds vifThreshold, drop it and recompute the
 *    VIFs of the rest (VIF is computed with the retained factors in the design).
 * 2. Refit and drop the non-retained factor with the largest p-value while that p-value exceeds pValueThreshold.
 * Ties go to the earlier candidate. Neither step drops the last remaining factor: a model without factors cannot
 * produce a VaR, so the last one is kept with a warning instead of failing the run (the warning names its p-value;
 * the adequacy check on R² then tells the user how little it explains).
 */
export function screen(y: Float64Array, X: Float64Array[], names: string[], opts: ScreeningOptions, full?: Regression): ScreeningOutcome {
  const column = new Map(names.map((name, j) => [name, X[j]]));
  const retain = new Set(opts.retain);
  let remaining = [...names];
  const steps: ScreeningStep[] = [];
  const vifDrops: Array<{ factor: string; vif: number }> = [];
  const pDrops: Array<{ factor: string; pValue: number }> = [];
  const warnings: string[] = [];
  const cols = () => remaining.map((name) => column.get(name)!);

  // `full` (the regression on every name, same y and X) already holds the first round of each step: at 10^6 rows
  // each round is k + 1 least-squares fits. Its numbers are computed the same way, so they are the same numbers.
  const all = () => full !== undefined && remaining.length === names.length;
  while (remaining.length > 1) {
    const vifs = all() ? names.map((name) => full!.vif[name]) : varianceInflation(cols());
    const worst = argmaxFree(remaining, vifs, retain);
    if (worst < 0 || !(vifs[worst] > opts.vifThreshold)) break;
    const factor = remaining[worst];
    vifDrops.push({ factor, vif: vifs[worst] });
    steps.push({ factor, reason: 'vif', value: vifs[worst] });
    remaining = remaining.filter((_, j) => j !== worst);
  }

  for (;;) {
    const pValues = all() ? names.map((name) => full!.coefficients[name].pValue) : refitPValues(y, cols());
    const worst = argmaxFree(remaining, pValues, retain);
    if (worst < 0 || !(pValues[worst] > opts.pValueThreshold)) break;
    if (remaining.length === 1) {
      warnings.push(
        `screening kept "${remaining[0]}" although its p-value ${pValues[0].toPrecision(4)} exceeds pValueThreshold ` +
          `${opts.pValueThreshold}: the last factor is never dropped`,
      );
      break;
    }
    const factor = remaining[worst];
    pDrops.push({ factor, pValue: pValues[worst] });
    steps.push({ factor, reason: 'pValue', value: pValues[worst] });
    remaining = remaining.filter((_, j) => j !== worst);
  }
  return { screening: { vif: vifDrops, pValue: pDrops, steps }, selected: remaining, warnings };
}

/** Two-sided p-values of the columns' coefficients (not the intercept's) in the OLS of y on [1, cols]. */
function refitPValues(y: Float64Array, cols: Float64Array[]): number[] {
  const fit = leastSquares(y, cols);
  const df = y.length - cols.length - 1;
  const scale = fit.ssr / df;
  return cols.map((_, j) => {
    const se = Math.sqrt(scale * fit.xtxInvDiag[j + 1]);
    const est = fit.beta[j + 1];
    return tPValue(se === 0 ? (est === 0 ? 0 : Infinity) : est / se, df);
  });
}

/** Index of the largest value among names not retained; −1 when all are retained. NaN never wins. */
function argmaxFree(names: string[], values: number[], retain: Set<string>): number {
  let best = -1;
  for (let j = 0; j < names.length; j++) {
    if (retain.has(names[j])) continue;
    // `>` alone lets a NaN in front win (nothing is > NaN): a number always replaces a NaN
    if (best < 0 || values[j] > values[best] || (values[best] !== values[best] && values[j] === values[j])) best = j;
  }
  return best;
}
