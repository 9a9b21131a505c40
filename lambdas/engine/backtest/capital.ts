// Basel market-risk capital from a backtest, and the ranking of models by it. Pure.
import type { TrafficLight } from '../backtest.ts';

/** Basel plus factor for 5…9 exceptions in 250 days at 99 % (yellow zone); green adds 0, red adds 1 */
const YELLOW_PLUS: Record<number, number> = { 5: 0.4, 6: 0.5, 7: 0.65, 8: 0.75, 9: 0.85 };
/** the Basel multiplier before the plus factor */
export const BASE_MULTIPLIER = 3;
/** p-value at or below which Kupiec, DQ or the duration test rejects a model in the ranking */
export const RANKING_SIGNIFICANCE = 0.05;

/**
 * The plus factor of the 99 % traffic light: 0 green, 1 red, and in the yellow zone the Basel table by the count of
 * exceptions. A yellow zone reached on fewer than 250 days with fewer than 5 exceptions takes the table's first row.
 */
export function plusFactor(light: Pick<TrafficLight, 'zone' | 'exceptions'>): number {
  if (light.zone === 'green') return 0;
  if (light.zone === 'red') return 1;
  return YELLOW_PLUS[Math.min(9, Math.max(5, light.exceptions))];
}

/** capital = (3 + plus factor) × mean 99 % VaR over the tested days (the multiplier on the average of the formula) */
export function capital(light: Pick<TrafficLight, 'zone' | 'exceptions'>, meanVar99: number): { plusFactor: number; multiplier: number; capital: number } {
  const plus = plusFactor(light);
  return { plusFactor: plus, multiplier: BASE_MULTIPLIER + plus, capital: (BASE_MULTIPLIER + plus) * meanVar99 };
}

export interface RankingInput {
  model: string;
  capital: number;
  zone: TrafficLight['zone'];
  kupiecPValue: number;
  /** null when DQ does not apply (too few days) */
  dqPValue: number | null;
  /** null when the duration test does not apply (fewer than 2 exceptions: nothing can cluster) */
  duration: { pValue: number; shape: number } | null;
}

export interface RankingEntry {
  model: string;
  capital: number;
  /** green at 99 %, Kupiec and DQ p > 0.05, and no clustering by the duration test (when they apply) */
  eligible: boolean;
  /** why not eligible, empty when eligible */
  failures: string[];
}

/**
 * A model is eligible for capital when it is green at 99 % and neither the exception rate (Kupiec) nor the two
 * clustering tests reject it at 5 % (DQ: exceptions predictable from past exceptions or the VaR; duration: a decreasing
 * hazard, shape b̂ < 1, i.e. exceptions that follow each other — a shape above 1 is the opposite of clustering). Eligible models first, each group by capital ascending (ties by name); the first entry is the recommended model when
 * it is eligible.
 */
export function rankModels(models: RankingInput[]): RankingEntry[] {
  const entries = models.map((m) => {
    const failures: string[] = [];
    if (m.zone !== 'green') failures.push(`traffic light ${m.zone}`);
    if (!(m.kupiecPValue > RANKING_SIGNIFICANCE)) failures.push(`Kupiec p ${m.kupiecPValue.toPrecision(2)}`);
    if (m.dqPValue !== null && !(m.dqPValue > RANKING_SIGNIFICANCE)) failures.push(`DQ p ${m.dqPValue.toPrecision(2)}`);
    // only a decreasing hazard (shape < 1) is clustering; a shape above 1 means exceptions more evenly spaced than chance
    if (m.duration !== null && m.duration.shape < 1 && !(m.duration.pValue > RANKING_SIGNIFICANCE)) failures.push(`duration p ${m.duration.pValue.toPrecision(2)} (clustered)`);
    return { model: m.model, capital: m.capital, eligible: failures.length === 0, failures };
  });
  return entries.sort((a, b) => Number(b.eligible) - Number(a.eligible) || a.capital - b.capital || (a.model < b.model ? -1 : 1));
}
