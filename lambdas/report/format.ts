// Number and text formatting shared by the run report and the history page.
import type { SimulationSettings } from '../engine/types.ts';

export function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

export function fmtP(x: number | null | undefined): string {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  return x < 1e-4 ? x.toExponential(1) : x.toFixed(4);
}

export function fmtSci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : '—';
}

export function pct(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}

/** A signed change in percentage points: "+0.12 pp". */
export function pp(x: number | undefined, digits = 2): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const v = Number((x * 100).toFixed(digits));
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)} pp`;
}

/** A money amount: whole units from 10,000 up, cents below. */
export function money(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  const digits = Math.abs(x) >= 10_000 ? 0 : 2;
  return x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** "0.99" → "99%", "0.975" → "97.5%" */
export function pctLevel(key: string): string {
  const v = Number(key);
  return Number.isFinite(v) ? `${Number((v * 100).toPrecision(10))}%` : key;
}

/** Risk levels from the highest confidence down (the order a reader expects: 99 % first). */
export function levelKeys(risk: Record<string, unknown>): string[] {
  return Object.keys(risk).sort((a, b) => Number(b) - Number(a));
}

export function describeSimulation(sim: SimulationSettings): string {
  // hs / fhs: scenario days, not factor distributions
  if (sim.exact) return `exact enumeration of ${sim.lookback} scenario days (no Monte Carlo), horizon 1 day`;
  if (sim.lookback !== undefined) return `sums of ${sim.horizon} whole days resampled iid from ${sim.lookback} scenario days`;
  const dist = sim.distribution === 't' ? `Student t (${sim.df} df)` : 'normal';
  return `${dist} factors, residual ${sim.residual}, horizon ${sim.horizon} day${sim.horizon === 1 ? '' : 's'}${sim.intercept ? ', with intercept' : ''}`;
}

/** "2026-11-28T17:00:01.123Z" → "2026-11-28 17:00:01 UTC" */
export function utc(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(+d) ? iso : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
