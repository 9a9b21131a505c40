// The line where each date was first seen, to refuse a duplicate date at the line it repeats on.

/**
 * First line of each ISO date, in one small table per year (366 days fit in 12·31 slots): 10^6 daily rows cost a few
 * MB, where a Map keyed by the date strings cost ~80 MB. Dates must have passed isIsoDate (YYYY-MM-DD, real day).
 *
 * @example const s = new SeenDates(); s.firstLine('2024-01-02', 5) // undefined; s.firstLine('2024-01-02', 9) // 5
 */
export class SeenDates {
  private readonly years = new Map<number, Int32Array>();

  /** The line `date` was first seen on, or undefined (and `line` is recorded for it). Lines start at 1. */
  firstLine(date: string, line: number): number | undefined {
    const digit = (i: number) => date.charCodeAt(i) - 48;
    const year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
    const slot = (digit(5) * 10 + digit(6) - 1) * 31 + digit(8) * 10 + digit(9) - 1;
    let days = this.years.get(year);
    if (!days) {
      days = new Int32Array(12 * 31);
      this.years.set(year, days);
    }
    const before = days[slot];
    if (before !== 0) return before;
    days[slot] = line;
    return undefined;
  }
}
