import { describe, expect, it } from 'vitest';
import { InputError } from '../../../lambdas/contracts/errors.ts';
import { readHeader } from '../../../lambdas/engine/csv/header.ts';

const settings = { portfolio: 'p', prices: false, log: false };

function refused(record: string[], s: Parameters<typeof readHeader>[3] = settings): string {
  try {
    readHeader(record, 3, 'a.csv', s);
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('readHeader', () => {
  it('finds the date, the portfolio and the factors in any column order', () => {
    const layout = readHeader(['SPY', 'p', 'date', 'XLK'], 3, 'a.csv', settings);
    expect(layout).toEqual({
      fields: 4,
      headerLine: 3,
      dateIndex: 2,
      portfolioIndex: 1,
      factorIndex: [0, 3],
      candidates: ['SPY', 'XLK'],
      headerColumns: { date: 3, p: 2, SPY: 1, XLK: 4 },
    });
    expect(readHeader(['date', 'p', 'SPY', 'XLK'], 1, 'a.csv', { ...settings, factors: ['XLK'] }).candidates).toEqual(['XLK']);
  });
  it('refuses at the line and column of the problem', () => {
    expect(refused(['date;p;SPY'])).toBe('a.csv:3:5: semicolon-separated? export with commas (and a decimal point)');
    expect(refused(['date', 'p', ''])).toBe('a.csv:3:3: empty column name');
    expect(refused(['date', 'p', 'SPY', 'SPY'])).toBe('a.csv:3:4: duplicate column "SPY" (first at column 3)');
    expect(refused(['p', 'SPY'])).toBe('a.csv:3:1: no "date" column');
    expect(refused(['date', 'SPY'])).toBe('a.csv:3:1: no "p" column');
    expect(refused(['date', 'p'])).toBe('a.csv:3:1: no factor columns');
    expect(refused(['date', 'p', 'SPY'], { ...settings, factors: ['QQQ'] })).toBe('a.csv:3:1: unknown factor "QQQ"');
    expect(refused(['date', 'p', 'const'])).toBe('a.csv:3:3: factor column "const" is the name of the intercept in the coefficients: rename it');
  });
});
