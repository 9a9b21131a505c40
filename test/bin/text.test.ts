import { describe, expect, it } from 'vitest';
import { money, num, pct, pval, table } from '../../bin/cli/text.ts';

describe('CLI text', () => {
  it('numbers: significant digits, p-values, percentages, money', () => {
    expect([num(0.889812), num(0.0000123), num(1234567), num(0), num(Number.NaN)]).toEqual(['0.8898', '1.230e-5', '1.235e+6', '0', 'NaN']);
    expect([pval(0.6149), pval(0.00002), pval(Number.POSITIVE_INFINITY)]).toEqual(['0.615', '2.00e-5', 'Infinity']);
    expect([pct(0.030721), pct(-0.1, 2)]).toEqual(['3.072%', '-10.00%']);
    expect([money(30721.4), money(undefined)]).toEqual(['30,721', '-']);
  });
  it('tables: first column left, the rest right, between rules as wide as the table', () => {
    expect(table(['level', 'VaR'], [['99%', '3.072%'], ['97.5%', '2.62%']])).toEqual([
      '-------------',
      'level     VaR',
      '-------------',
      '99%    3.072%',
      '97.5%   2.62%',
      '-------------',
    ]);
    // a short row prints empty cells
    expect(table(['a', 'b'], [['x']])[3]).toBe('x');
  });
});
