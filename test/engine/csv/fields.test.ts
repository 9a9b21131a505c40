import { describe, expect, it } from 'vitest';
import { ISO_DATE, quote, trimmed } from '../../../lambdas/engine/csv/fields.ts';

// parseNumber and isIsoDate are tested with the reader (test/engine/csv.test.ts), against every refusal it reports.
describe('CSV fields', () => {
  it('trims only when a field has surrounding space, and keeps the same string otherwise', () => {
    const s = 'abc';
    expect(trimmed(s)).toBe(s);
    expect([trimmed(' a '), trimmed('\ta\r'), trimmed('')]).toEqual(['a', 'a', '']);
  });
  it('quotes a field as JSON, cut at 40 characters', () => {
    expect(quote('a"b')).toBe('"a\\"b"');
    expect(quote('x'.repeat(41))).toBe(`"${'x'.repeat(40)}…"`);
    expect(quote('x'.repeat(40))).toBe(`"${'x'.repeat(40)}"`);
  });
  it('tells the ISO shape apart from a calendar day', () => {
    expect([ISO_DATE.test('2023-02-30'), ISO_DATE.test('2023-2-3'), ISO_DATE.test('03/01/2023')]).toEqual([true, false, false]);
  });
});
