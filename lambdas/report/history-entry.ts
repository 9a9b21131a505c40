// A portfolio's history entry (one small JSON per successful run, written by Reduce) and what the history page derives
// from the entries alone: each run's realized next-day return and where the model changed.
import type { RunRecord, RunResult, SimulationSettings } from '../engine/types.ts';
import { levelKeys } from './format.ts';

/** The portfolio's last returns a history entry keeps: enough to find the realized return after each earlier run. */
export const HISTORY_RETURNS = 250;

/** What the history page needs of one successful run (reports/<portfolioId>/runs/<runId>.json). */
export interface HistoryEntry {
  runId: string;
  portfolioId: string;
  createdAt: string;
  finishedAt?: string;
  input: RunRecord['input'];
  window: { start: string; end: string };
  observations: number;
  /** settings.model when the run has one, else "factor" */
  model: string;
  /** the settings that define the model (everything but the data window): a change is marked on the chart */
  modelSettings: Record<string, unknown>;
  simulation: SimulationSettings;
  selected: string[];
  value?: number;
  risk: Record<string, { var: number; es: number; varValue?: number; esValue?: number }>;
  /** component VaR per factor (and residual/intercept) at the highest level */
  attribution: Record<string, number>;
  warnings: string[];
  reportKey?: string;
  /** the portfolio's last daily returns of the window (at most HISTORY_RETURNS) */
  returns: { dates: string[]; values: number[] };
}

/** Settings that only choose the data, not the model: a change in these is not a model change. */
const DATA_SETTINGS = new Set(['start', 'end', 'portfolio', 'maxFileBytes', 'value', 'currency', 'shocks']);

export function historyEntry(
  run: { runId: string; portfolioId: string; createdAt: string; input: RunRecord['input']; finishedAt?: string; reportKey?: string },
  result: RunResult,
  settings: Record<string, unknown>,
  returns: { dates: string[]; values: number[] } | undefined,
): HistoryEntry {
  const top = levelKeys(result.risk)[0];
  const attribution = Object.fromEntries(Object.entries(result.attribution).map(([k, v]) => [k, v.componentVar]));
  const modelSettings = Object.fromEntries(Object.entries(settings).filter(([k, v]) => !DATA_SETTINGS.has(k) && v !== undefined));
  const n = returns ? Math.max(returns.dates.length - HISTORY_RETURNS, 0) : 0;
  return {
    runId: run.runId,
    portfolioId: run.portfolioId,
    createdAt: run.createdAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    input: run.input,
    window: result.window,
    observations: result.observations,
    model: typeof settings.model === 'string' ? settings.model : 'factor',
    modelSettings,
    simulation: result.simulation,
    selected: result.selected,
    ...(result.value !== undefined ? { value: result.value } : {}),
    risk: Object.fromEntries(
      Object.entries(result.risk).map(([k, r]) => [k, { var: r.var, es: r.es, ...(r.varValue !== undefined ? { varValue: r.varValue, esValue: r.esValue } : {}) }]),
    ),
    attribution: top ? attribution : {},
    warnings: result.warnings,
    ...(run.reportKey ? { reportKey: run.reportKey } : {}),
    returns: returns ? { dates: returns.dates.slice(n), values: returns.values.slice(n) } : { dates: [], values: [] },
  };
}

export interface Realized {
  /** the first trading day after the run's window */
  date: string;
  return: number;
  /** levels whose VaR the loss exceeded */
  exceptions: string[];
}

/**
 * The realized next-day return of each run, from any later run whose data holds the first day after its window
 * (one-day horizon only: a longer horizon's VaR is not comparable with one day).
 */
export function realizedReturns(entries: HistoryEntry[]): Map<string, Realized> {
  const out = new Map<string, Realized>();
  for (const e of entries) {
    if (e.simulation.horizon !== 1) continue;
    let best: { date: string; value: number } | undefined;
    for (const later of entries) {
      const i = later.returns.dates.findIndex((d) => d > e.window.end);
      // i = 0 would be a series that starts after the window: a day in between may be missing from it
      if (i <= 0) continue;
      const d = later.returns.dates[i];
      if (!best || d < best.date) best = { date: d, value: later.returns.values[i] };
    }
    if (!best) continue;
    const exceptions = levelKeys(e.risk).filter((k) => best!.value < -e.risk[k].var);
    out.set(e.runId, { date: best.date, return: best.value, exceptions });
  }
  return out;
}

/** True where the run's model or its settings differ from the run before it. */
export function modelChanges(entries: HistoryEntry[]): boolean[] {
  return entries.map((e, i) => i > 0 && (e.model !== entries[i - 1].model || JSON.stringify(e.modelSettings) !== JSON.stringify(entries[i - 1].modelSettings)));
}
