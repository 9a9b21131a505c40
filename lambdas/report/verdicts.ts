// One-line verdicts shared by the HTML report and the CLI's text output, so both say the same thing.
import type { FitResult } from '../engine/types.ts';

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/** Does LASSO (at the CV-minimum or the 1-SE α) pick exactly the screened factors? */
export function lassoVerdict(fit: Pick<FitResult, 'lasso' | 'selected'>): { cvAgrees: boolean; seAgrees: boolean; agrees: boolean; text: string } {
  const cvAgrees = sameSet(fit.lasso.cvSelected, fit.selected);
  const seAgrees = sameSet(fit.lasso.selected1se, fit.selected);
  const agrees = cvAgrees || seAgrees;
  const text = agrees ? `agrees with the screening (${cvAgrees && seAgrees ? 'both alphas' : cvAgrees ? 'CV-minimum' : '1-SE'})` : 'does NOT agree with the screening';
  return { cvAgrees, seAgrees, agrees, text };
}
