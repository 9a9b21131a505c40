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
