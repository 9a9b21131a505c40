import { describe, expect, it } from 'vitest';
import { SeenDates } from '../../../lambdas/engine/csv/seen-dates.ts';

describe('SeenDates', () => {
  it('gives the first line of a repeated date and nothing for a new one', () => {
    const s = new SeenDates();
    expect(s.firstLine('2024-02-29', 2)).toBeUndefined();
    expect(s.firstLine('2024-03-01', 3)).toBeUndefined();
    expect(s.firstLine('2024-02-29', 7)).toBe(2);
    expect(s.firstLine('2024-02-29', 9)).toBe(2); // still the first, not the last repeat
  });

  it('keeps every day of a year and the same day of other years apart', () => {
    const s = new SeenDates();
    const days: string[] = [];
    for (let t = Date.UTC(2023, 0, 1); t <= Date.UTC(2024, 11, 31); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
    days.forEach((d, i) => expect(s.firstLine(d, i + 2)).toBeUndefined());
    expect(s.firstLine('0100-01-01', 1000)).toBeUndefined();
    expect(s.firstLine('9999-12-31', 1001)).toBeUndefined();
    days.forEach((d, i) => expect(s.firstLine(d, 5000)).toBe(i + 2));
    expect(s.firstLine('9999-12-31', 5000)).toBe(1001);
  });
});
