// Plain-text numbers and tables for everything the CLI and the demo print.

/**
 * A number in at most `digits` significant digits, in exponent form when very small or large.
 *
 * @example num(0.889812) // '0.8898'; num(0.0000123) // '1.230e-5'
 */
export function num(x: number, digits = 4): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-4 || a >= 1e6) return x.toExponential(digits - 1);
  return x.toPrecision(digits);
}

/**
 * A p-value: three decimals, or exponent form below 0.001.
 *
 * @example pval(0.6149) // '0.615'; pval(0.00002) // '2.00e-5'
 */
export function pval(p: number): string {
  if (!Number.isFinite(p)) return String(p);
  return p < 1e-3 ? p.toExponential(2) : p.toFixed(3);
}

/**
 * A fraction as a percentage with `digits` decimals.
 *
 * @example pct(0.030721) // '3.072%'
 */
export function pct(x: number, digits = 3): string {
  return `${(100 * x).toFixed(digits)}%`;
}

/**
 * A money amount in whole units with thousands separators; '-' when there is none.
 *
 * @example money(30721.4) // '30,721'; money(undefined) // '-'
 */
export function money(x: number | undefined): string {
  return x === undefined ? '-' : x.toLocaleString('en-US', { maximumFractionDigits: 0 });
}

/**
 * A table between rules: the first column left-aligned, the others right-aligned, two spaces apart.
 *
 * @example table(['level', 'VaR'], [['99%', '3.072%']]) // ['-------------', 'level     VaR', '-------------', '99%    3.072%', '-------------']
 */
export function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] ?? '').length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1));
  return [rule, line(header), rule, ...rows.map(line), rule];
}
