// One CSV field: a strict decimal number, an ISO calendar date, and how a field is quoted in an error message.

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** The shape of an ISO date, to tell "not ISO" from "not a calendar day" in an error. */
export const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a decimal number strictly: no NaN, no Infinity, no hex, no empty field. A refused field gives the reason.
 *
 * @example parseNumber(' 0.0123 ') // 0.0123; parseNumber('0x10') // '"0x10" is not a number'
 */
export function parseNumber(text: string): number | string {
  const s = trimmed(text);
  if (s === '') return 'empty field';
  if (!NUMBER.test(s)) return `${quote(s)} is not a number`;
  const v = Number(s);
  if (!Number.isFinite(v)) return `${quote(s)} is not a finite number`;
  return v;
}

/**
 * trim() only when needed: most fields have no surrounding space, and this runs for every field.
 *
 * @example trimmed(' a ') // 'a'
 */
export function trimmed(s: string): string {
  const n = s.length;
  return n > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) ? s.trim() : s;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * YYYY-MM-DD and a real calendar day (a fast path for every row; config.isRealDate has the same meaning).
 *
 * @example isIsoDate('2024-02-29') // true; isIsoDate('2023-02-29') // false
 */
export function isIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    y = y * 10 + c;
  }
  const m1 = s.charCodeAt(5) - 48,
    m2 = s.charCodeAt(6) - 48,
    d1 = s.charCodeAt(8) - 48,
    d2 = s.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < 100 || m < 1 || m > 12 || d < 1) return false; // years 0000-0099: refused, as config.isRealDate does
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && !leap ? 28 : DAYS_IN_MONTH[m - 1]);
}

/**
 * A field as an error message shows it: JSON-quoted, cut at 40 characters.
 *
 * @example quote('abc') // '"abc"'
 */
export function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
