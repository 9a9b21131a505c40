// The header row of a returns CSV: which columns are the date, the portfolio and the candidate factors.
import { InputError } from '../../contracts/errors.ts';
import type { Settings } from '../config.ts';
import { quote } from './fields.ts';

/** The settings the reader looks at (a full Settings object fits). */
export type ReaderSettings = Pick<Settings, 'portfolio' | 'prices' | 'log'> & Partial<Pick<Settings, 'factors' | 'start' | 'end'>>;

export const DATE_COLUMN = 'date';

/** What the header told us: which fields of each row we keep, and where they are. */
export interface Layout {
  fields: number;
  headerLine: number;
  dateIndex: number;
  portfolioIndex: number;
  factorIndex: number[];
  candidates: string[];
  headerColumns: Record<string, number>;
}

/** Names a factor cannot take: the results key other things by them, so the factor would overwrite or vanish. */
const RESERVED_FACTOR_NAMES = new Map([
  ['const', 'is the name of the intercept in the coefficients'],
  ['intercept', 'is the name of the intercept in the attribution'],
  ['residual', 'is the name of the residual in the attribution'],
  ['__proto__', 'cannot be a key of the result objects'],
]);

/**
 * Reads the header record at physical line `line`: refuses empty, duplicate and reserved names, a missing date or
 * portfolio column, unknown or repeated `factors`, and a semicolon-separated export.
 *
 * @example readHeader(['date', 'p', 'SPY'], 1, 'a.csv', { portfolio: 'p', prices: false, log: false }).candidates // ['SPY']
 */
export function readHeader(record: string[], line: number, file: string, settings: ReaderSettings): Layout {
  // Excel in a decimal-comma locale saves `date;portfolio;…` with 0,0123: one column here, numbers we would misread
  if (record.length === 1 && record[0].includes(';'))
    throw new InputError(file, line, record[0].indexOf(';') + 1, 'semicolon-separated? export with commas (and a decimal point)');
  const seen = new Map<string, number>();
  record.forEach((name, i) => {
    if (name === '') throw new InputError(file, line, i + 1, 'empty column name');
    const first = seen.get(name);
    if (first !== undefined) throw new InputError(file, line, i + 1, `duplicate column ${quote(name)} (first at column ${first + 1})`);
    seen.set(name, i);
  });
  const dateIndex = seen.get(DATE_COLUMN);
  if (dateIndex === undefined) throw new InputError(file, line, 1, `no ${quote(DATE_COLUMN)} column`);
  const portfolioIndex = seen.get(settings.portfolio);
  if (portfolioIndex === undefined) throw new InputError(file, line, 1, `no ${quote(settings.portfolio)} column`);
  const all = record.filter((n) => n !== DATE_COLUMN && n !== settings.portfolio);
  let candidates = all;
  if (settings.factors) {
    const picked = new Set<string>();
    for (const f of settings.factors) {
      if (!all.includes(f)) throw new InputError(file, line, 1, `unknown factor ${quote(f)}`);
      if (picked.has(f)) throw new InputError(file, line, 1, `factor ${quote(f)} listed twice`);
      picked.add(f);
    }
    candidates = [...settings.factors];
  }
  if (candidates.length === 0) throw new InputError(file, line, 1, 'no factor columns');
  for (const c of candidates) {
    const why = RESERVED_FACTOR_NAMES.get(c);
    if (why !== undefined) throw new InputError(file, line, (seen.get(c) as number) + 1, `factor column ${quote(c)} ${why}: rename it`);
  }
  const headerColumns: Record<string, number> = { [DATE_COLUMN]: dateIndex + 1, [settings.portfolio]: portfolioIndex + 1 };
  for (const c of candidates) headerColumns[c] = (seen.get(c) as number) + 1;
  return {
    fields: record.length,
    headerLine: line,
    dateIndex,
    portfolioIndex,
    factorIndex: candidates.map((c) => seen.get(c) as number),
    candidates,
    headerColumns,
  };
}
