// Which closed form `analyticVar` / `analyticEs` use: the one rule the risk numbers, the report and the CLI share.
import type { SimulationSettings } from './types.ts';

/**
 * True when the closed form is the Student t (scaled to the factors' covariance): t factors, one day and no residual
 * noise. A sum of h > 1 t days, or a t plus normal noise, is no Student t, so those runs use the normal closed form.
 *
 * @example usesStudentTClosedForm({ distribution: 't', df: 5, horizon: 1, residual: 'none' }) // true
 */
export function usesStudentTClosedForm(sim: Pick<SimulationSettings, 'distribution' | 'df' | 'horizon' | 'residual'>): sim is typeof sim & { df: number } {
  return sim.distribution === 't' && sim.horizon === 1 && sim.residual === 'none' && sim.df !== null && sim.df > 2;
}

/**
 * True when the closed form is the exact mixture: t factors plus a normal residual over one day, whose VaR and ES come
 * from the 1-D quadrature over the χ² mixing variable (t-mixture.ts).
 *
 * @example usesTMixtureClosedForm({ distribution: 't', df: 5, horizon: 1, residual: 'normal' }) // true
 */
export function usesTMixtureClosedForm(sim: Pick<SimulationSettings, 'distribution' | 'df' | 'horizon' | 'residual'>): sim is typeof sim & { df: number } {
  return sim.distribution === 't' && sim.horizon === 1 && sim.residual === 'normal' && sim.df !== null && sim.df > 2;
}

/** The name of the run's closed form, as the CLI and report print it. */
export function closedFormName(sim: Pick<SimulationSettings, 'distribution' | 'df' | 'horizon' | 'residual' | 'exact' | 'lookback'>): string {
  if (sim.exact === true) return `exact enumeration of the ${sim.lookback} scenarios: no Monte Carlo`;
  if (sim.exact === false) return 'normal APPROXIMATION: a sum of resampled scenario days has no closed form';
  if (usesStudentTClosedForm(sim)) return 'Student-t closed form';
  if (usesTMixtureClosedForm(sim)) return 'exact t + normal residual, 1-D quadrature';
  if (sim.distribution === 't') return 'normal APPROXIMATION: a sum of t days has no closed form';
  return 'normal closed form';
}
