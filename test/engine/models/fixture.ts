// Loads a model fixture (scripts/make_model_fixtures.py) and the history it was computed from.
import { createReadStream, readFileSync } from 'node:fs';
import { readReturns } from '../../../lambdas/engine/csv.ts';
import { fittedOf, historyOf, historyUpTo, type FittedFactorModel, type ModelHistory } from '../../../lambdas/engine/models/index.ts';

export interface Series {
  var: Record<string, number[]>;
  es: Record<string, number[]>;
}

export interface ModelFixture {
  case: string;
  factors: string[];
  levels: number[];
  lambda: number;
  fitStart: number;
  fitEnd: number;
  beta: number[];
  alpha: number;
  residualVariance: number;
  days: string[];
  rows: number[];
  normal: { var: Record<string, number>; es: Record<string, number> };
  models: Record<'ewma' | 'fhs' | 'hs' | 'ewma-t' | 'garch-t', Series>;
  ewmaT: { df: Record<string, number> };
  garchT: Record<string, { omega: number; alpha: number; beta: number; df: number; backcast: number; nll: number }>;
  t: { mu: number[]; dispersion: number[][]; df: number; logLik: number; iterations: number; var: Record<string, number>; es: Record<string, number> };
}

const CASES = {
  tech11: { csv: 'data/tech11.csv', portfolio: 'portfolio' },
  nvda: { csv: 'test/fixtures/models/nvda.csv', portfolio: 'NVDA' },
} as const;

export async function loadCase(name: keyof typeof CASES): Promise<{ fx: ModelFixture; history: ModelHistory; fitted: FittedFactorModel; at: (row: number) => ModelHistory }> {
  const fx = JSON.parse(readFileSync(`test/fixtures/models/${name}.json`, 'utf8')) as ModelFixture;
  const { csv, portfolio } = CASES[name];
  const data = await readReturns(createReadStream(csv), csv, { portfolio, prices: false, log: false, factors: fx.factors });
  const history = historyOf(data, fx.factors);
  const fitted: FittedFactorModel = fittedOf(fx, history, '2023-01-03', '2024-04-30');
  if (fitted.fitStart !== fx.fitStart || fitted.fitEnd !== fx.fitEnd) throw new Error(`fit rows [${fitted.fitStart}, ${fitted.fitEnd}) differ from the fixture's`);
  return { fx, history, fitted, at: (row) => historyUpTo(history, row) };
}

/** |a − b| ≤ tol·|b|, with the day and level in the message. */
export function expectRelative(actual: number, expected: number, tol: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.abs(expected);
  if (!(err <= tol)) throw new Error(`${what}: ${actual} vs ${expected} (relative error ${err.toExponential(2)} > ${tol})`);
}
