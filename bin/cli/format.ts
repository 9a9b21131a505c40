// The human summary of a fit, in the spirit of statsmodels' summary(): what a quant reads at a glance.
import type { FitResult, Regression } from '../../lambdas/engine/types.ts';
import { num, pval, table } from './text.ts';
import { lassoVerdict } from '../../lambdas/report/verdicts.ts';

/** Thresholds to print next to the screening steps (FitResult does not carry them). */
export interface FormatOptions {
  vifThreshold?: number;
  pValueThreshold?: number;
  r2Threshold?: number;
}

/** Coefficient table (coef, std err, t, p, VIF) and the fit statistics of one regression. */
export function formatRegression(title: string, r: Regression): string {
  const names = ['const', ...r.factors];
  const rows = names.map((n) => {
    const c = r.coefficients[n];
    const vif = n === 'const' ? '' : r.vif[n] === undefined ? '' : num(r.vif[n], 4);
    return c ? [n, num(c.estimate), num(c.stdError), num(c.tStat), pval(c.pValue), vif] : [n, '', '', '', '', vif];
  });
  const jb = r.jarqueBera;
  const bp = r.breuschPagan;
  return [
    `${title}: ${r.observations} observations, ${r.factors.length} factor${r.factors.length === 1 ? '' : 's'}`,
    ...table(['', 'coef', 'std err', 't', 'P>|t|', 'VIF'], rows),
    `R² ${num(r.r2)}   adj. R² ${num(r.adjR2)}   F ${num(r.fStat)} (p ${pval(r.fPValue)})   residual std. error ${num(r.residualStdError)}`,
    `Jarque-Bera ${num(jb.stat)} (p ${pval(jb.pValue)}, skew ${num(jb.skew, 3)}, kurtosis ${num(jb.kurtosis, 3)})   ` +
      `Durbin-Watson ${num(r.durbinWatson, 3)}   Breusch-Pagan ${num(bp.stat)} (p ${pval(bp.pValue)})`,
  ].join('\n');
}

function names(list: string[]): string {
  return list.length ? list.join(' ') : '(none)';
}

/** The whole fit: full model, each screening step with its reason, final model, adequacy, LASSO verdict, warnings. */
export function formatFit(fit: FitResult, options: FormatOptions = {}): string {
  const out: string[] = [];
  out.push(
    `varstream fit: ${fit.portfolio} on ${fit.candidates.length} candidate factors, ` +
      `${fit.observations} observations ${fit.window.start}..${fit.window.end}`,
  );
  out.push('');
  out.push(formatRegression('Full regression', fit.full));
  out.push('');

  const vifLimit = options.vifThreshold !== undefined ? ` > ${options.vifThreshold}` : '';
  const pLimit = options.pValueThreshold !== undefined ? ` > ${options.pValueThreshold}` : '';
  out.push('Screening');
  if (fit.screening.steps.length === 0) out.push('  nothing dropped');
  fit.screening.steps.forEach((s, i) => {
    const why = s.reason === 'vif' ? `VIF ${num(s.value)}${vifLimit} (multicollinear)` : `p-value ${pval(s.value)}${pLimit} (not significant)`;
    out.push(`  ${i + 1}. drop ${s.factor.padEnd(6)} ${why}`);
  });
  out.push(`  selected: ${names(fit.selected)}`);
  out.push('');
  out.push(formatRegression('Final regression', fit.final));
  const r2Limit = options.r2Threshold !== undefined ? ` (threshold ${options.r2Threshold})` : '';
  out.push(`Adequate: ${fit.adequate ? 'yes' : 'NO'}, R² ${num(fit.final.r2)}${r2Limit}`);
  out.push('');

  const l = fit.lasso;
  const verdict = lassoVerdict(fit);
  const { cvAgrees, seAgrees } = verdict;
  out.push(`LASSO confirmation (${l.alphas.length} alphas, standardized factors)`);
  out.push(`  CV-minimum alpha ${num(l.cvAlpha)} selects ${names(l.cvSelected)}${cvAgrees ? '' : '  (differs)'}`);
  out.push(`  1-SE alpha       ${num(l.alpha1se)} selects ${names(l.selected1se)}${seAgrees ? '' : '  (differs)'}`);
  out.push(`  verdict: ${verdict.text}`);
  if (fit.warnings.length) {
    out.push('');
    out.push('Warnings');
    for (const w of fit.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n') + '\n';
}
