// The streaming CSV reader: bytes (or text) in, validated, date-sorted, window-cut returns out.
// Pure: it takes any AsyncIterable (a node Readable, an S3 Body) and does no I/O itself. Only the parsed numbers are
// kept (growable Float64Arrays), never the text. Every content problem is an InputError pointing at FILE:LINE:COLUMN.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type CsvError, parse } from 'csv-parse';
import type { Settings } from './config.ts';
import { InputError } from './types.ts';
import type { ReturnsData } from './types.ts';

/** The settings the reader looks at (a full Settings object fits). */
export type ReaderSettings = Pick<Settings, 'portfolio' | 'prices' | 'log'> &
  Partial<Pick<Settings, 'factors' | 'start' | 'end'>>;

export const DATE_COLUMN = 'date';
/** A longer row is certainly not a returns table; the cap keeps random input from growing one field forever. */
export const MAX_RECORD_CHARS = 1 << 20;

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Parses a decimal number strictly: no NaN, no Infinity, no hex, no empty field. */
export function parseNumber(text: string): number | string {
  const s = trimmed(text);
  if (s === '') return 'empty field';
  if (!NUMBER.test(s)) return `${quote(s)} is not a number`;
  const v = Number(s);
  if (!Number.isFinite(v)) return `${quote(s)} is not a finite number`;
  return v;
}

/** trim() only when needed: most fields have no surrounding space, and this runs for every field. */
function trimmed(s: string): string {
  const n = s.length;
  return n > 0 && (s.charCodeAt(0) <= 32 || s.charCodeAt(n - 1) <= 32) ? s.trim() : s;
}

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** YYYY-MM-DD and a real calendar day (a fast path for every row; config.isRealDate has the same meaning). */
export function isIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  let y = 0;
  for (let i = 0; i < 4; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return false;
    y = y * 10 + c;
  }
  const m1 = s.charCodeAt(5) - 48, m2 = s.charCodeAt(6) - 48, d1 = s.charCodeAt(8) - 48, d2 = s.charCodeAt(9) - 48;
  if (m1 < 0 || m1 > 9 || m2 < 0 || m2 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
  const m = m1 * 10 + m2;
  const d = d1 * 10 + d2;
  if (y < 100 || m < 1 || m > 12 || d < 1) return false; // years 0000-0099: refused, as config.isRealDate does
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (m === 2 && !leap ? 28 : DAYS_IN_MONTH[m - 1]);
}

function quote(s: string): string {
  return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}

/** An append-only typed array that doubles when full: the reader keeps only parsed numbers, never the text. */
class Growable<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (size: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

const growableF64 = () => new Growable(new Float64Array(256), (n) => new Float64Array(n));
const growableI32 = () => new Growable(new Int32Array(256), (n) => new Int32Array(n));

/** Count of '\n' in s (native indexOf, fast on large chunks). */
function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

function countCommas(s: string): number {
  let n = 0;
  for (let i = s.indexOf(','); i !== -1; i = s.indexOf(',', i + 1)) n++;
  return n;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1. Only used to locate an error. */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    let need = 0;
    let min = 0;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Bytes at the end of b that start a multi-byte sequence not yet complete (the decoder carries them over). */
function incompleteTail(b: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(3, b.length); back++) {
    const c = b[b.length - back];
    if ((c & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? b.subarray(b.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/**
 * Decodes the input strictly as UTF-8 (TextDecoder fatal) and refuses NUL bytes, tracking the physical line and the
 * field (commas since the last newline, quotes ignored) so a binary or Latin-1 file is reported where it goes wrong.
 * Byte chunks are passed on as the same bytes once checked (csv-parse works on bytes: no re-encoding of the text).
 */
async function* decodeStrict(input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, file: string): AsyncGenerator<string | Buffer> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let line = 1;
  let commas = 0;
  let carry = new Uint8Array(0);
  let first = true;
  const fail = (textBefore: string, what: string): never => {
    const nl = textBefore.lastIndexOf('\n');
    const l = line + countNewlines(textBefore);
    const c = (nl === -1 ? commas : 0) + countCommas(nl === -1 ? textBefore : textBefore.slice(nl + 1));
    throw new InputError(file, l, c + 1, what);
  };
  const take = (text: string): string => {
    if (first) {
      if (text.length === 0) return text;
      first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // string input may still carry a BOM
    }
    const nul = text.indexOf('\0');
    if (nul !== -1) fail(text.slice(0, nul), 'binary content (NUL byte): not a UTF-8 text CSV');
    const nl = text.lastIndexOf('\n');
    if (nl === -1) commas += countCommas(text);
    else {
      line += countNewlines(text);
      commas = countCommas(text.slice(nl + 1));
    }
    return text;
  };
  for await (const chunk of input) {
    let text: string;
    if (typeof chunk === 'string') text = chunk;
    else {
      try {
        text = decoder.decode(chunk, { stream: true });
      } catch {
        const bytes = new Uint8Array(carry.length + chunk.length);
        bytes.set(carry);
        bytes.set(chunk, carry.length);
        let bad = firstInvalidUtf8(bytes);
        if (bad === -1) bad = bytes.length;
        fail(Buffer.from(bytes.subarray(0, bad)).toString('latin1'), 'invalid UTF-8 byte sequence: not a UTF-8 text CSV');
        return;
      }
      carry = (carry.length ? incompleteTail(concat(carry, chunk)) : incompleteTail(chunk)).slice();
      take(text);
      if (chunk.length) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      continue;
    }
    const t = take(text);
    if (t.length) yield t;
  }
  let rest: string;
  try {
    rest = decoder.decode();
  } catch {
    fail('', 'invalid UTF-8 byte sequence at the end of the file');
    return;
  }
  take(rest); // only checks: the bytes were passed on already
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function csvErrorMessage(e: CsvError): string {
  switch (e.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'quote not closed';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'unexpected character after a closing quote';
    case 'INVALID_OPENING_QUOTE':
      return 'quote inside an unquoted field';
    case 'CSV_MAX_RECORD_SIZE':
      return `row longer than ${MAX_RECORD_CHARS} characters`;
    default:
      return e.message.split(':')[0].toLowerCase();
  }
}

/** What the header told us: which fields of each row we keep, and where they are. */
interface Layout {
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

function readHeader(record: string[], line: number, file: string, settings: ReaderSettings): Layout {
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

/**
 * Reads a returns (or, with settings.prices, a price-level) CSV into ReturnsData. `input` is any (async) iterable of
 * byte or text chunks: a node Readable, an S3 Body, an array of strings in tests.
 * With settings.prices the returns are computed after sorting on the full file, then cut to [start, end] (inclusive, on
 * the return's date). settings.log without settings.prices is refused (the file holds returns already: there is no
 * level to take a log of).
 */
export async function readReturns(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  file: string,
  settings: ReaderSettings,
): Promise<ReturnsData> {
  if (settings.log && !settings.prices) throw new InputError(file, 1, 1, 'log returns need price levels (log needs prices)');

  let layout: Layout | undefined;
  let nextLine = 1; // physical line where the next record starts
  const dates: string[] = [];
  const firstLine = new Map<string, number>();
  const lines = growableI32();
  let columns: Growable<Float64Array>[] = []; // portfolio, then each candidate

  let kept: number[] = []; // field indices kept: portfolio, then each candidate
  const onRecord = (record: string[]): void => {
    const line = nextLine;
    let inside = 0;
    for (let k = 0; k < record.length; k++) if (record[k].includes('\n')) inside += countNewlines(record[k]);
    nextLine += 1 + inside;
    if (record.length === 1 && record[0] === '') return; // an empty line
    if (!layout) {
      layout = readHeader(record, line, file, settings);
      kept = [layout.portfolioIndex, ...layout.factorIndex];
      columns = kept.map(() => growableF64());
      return;
    }
    const L = layout;
    const fail = (i: number, what: string): never => {
      // the physical line of field i: quoted newlines in earlier fields push it down
      let l = line;
      if (inside) for (let k = 0; k < i; k++) l += countNewlines(record[k]);
      throw new InputError(file, l, i + 1, what);
    };
    if (record.length !== L.fields) fail(Math.min(record.length, L.fields), `expected ${L.fields} fields, got ${record.length}`);
    const d = trimmed(record[L.dateIndex]);
    if (!isIsoDate(d)) {
      if (d === '') fail(L.dateIndex, 'empty field');
      if (!ISO_DATE.test(d)) fail(L.dateIndex, `${quote(d)} is not an ISO date (YYYY-MM-DD)`);
      fail(L.dateIndex, `${quote(d)} is not a calendar date`);
    }
    const before = firstLine.get(d);
    if (before !== undefined) fail(L.dateIndex, `duplicate date ${d} (first on line ${before})`);
    firstLine.set(d, line);
    for (let j = 0; j < kept.length; j++) {
      const v = parseNumber(record[kept[j]]);
      if (typeof v === 'string') fail(kept[j], v);
      columns[j].push(v as number);
    }
    dates.push(d);
    lines.push(line);
  };

  // csv-parse's own line counter is off for CRLF inside quotes, and an error would discard records still buffered:
  // so a CSV syntax error is only noted (with how many records came before it) and raised in order, at the line the
  // consumer reached, which is where the bad record starts.
  let syntax: { error: CsvError; records: number } | undefined;
  const parser = parse({
    bom: true, // byte input keeps its BOM (the decoder only checked it)
    delimiter: ',',
    quote: '"',
    escape: '"',
    relax_column_count: true, // ragged rows are reported by us, with the line and column
    skip_empty_lines: false, // counted by us to keep physical line numbers exact
    max_record_size: MAX_RECORD_CHARS,
    skip_records_with_error: true,
    on_skip: (err) => {
      if (err && !syntax) syntax = { error: err, records: parser.info.records };
      return undefined;
    },
  });
  const raiseSyntax = (): never => {
    const e = syntax!.error as CsvError & { column?: number };
    throw new InputError(file, nextLine, (typeof e.column === 'number' ? e.column : 0) + 1, csvErrorMessage(e));
  };
  let count = 0;
  // The first error raised by us wins: tearing the pipeline down makes the source report an AbortError of its own.
  let failure: unknown;
  async function* source(): AsyncGenerator<string | Buffer> {
    try {
      yield* decodeStrict(input, file);
    } catch (e) {
      failure ??= e;
      throw e;
    }
  }
  try {
    await pipeline(Readable.from(source(), { objectMode: true }), parser, async (records: AsyncIterable<string[]>) => {
      for await (const r of records) {
        try {
          if (syntax && syntax.records <= count) raiseSyntax();
          onRecord(r);
        } catch (e) {
          failure ??= e;
          throw e;
        }
        count++;
      }
    });
  } catch (e) {
    throw failure ?? e;
  }
  if (syntax) raiseSyntax();

  if (!layout) throw new InputError(file, 1, 1, 'empty file');
  const L: Layout = layout;
  const rows = dates.length;
  if (rows === 0) throw new InputError(file, L.headerLine, 1, 'no data rows');

  // sort ascending by date (stable; dates are unique)
  let order: Uint32Array | null = null;
  for (let i = 1; i < rows; i++) {
    if (dates[i - 1] > dates[i]) {
      order = Uint32Array.from({ length: rows }, (_, k) => k).sort((a, b) => (dates[a] < dates[b] ? -1 : dates[a] > dates[b] ? 1 : 0));
      break;
    }
  }
  const at = (i: number): number => (order ? order[i] : i);
  const sortedDates = Array.from({ length: rows }, (_, i) => dates[at(i)]);
  const colIndex = [L.portfolioIndex, ...L.factorIndex];
  let series: Float64Array[] = columns.map((c) => Float64Array.from({ length: rows }, (_, i) => c.data[at(i)]));
  let seriesDates = sortedDates;
  let returnKind: ReturnsData['returnKind'] = 'returns';

  if (settings.prices) {
    returnKind = settings.log ? 'log' : 'simple';
    series.forEach((p, j) => {
      for (let i = 0; i < rows; i++) {
        const bad = settings.log ? !(p[i] > 0) : p[i] === 0;
        if (bad) {
          const what = settings.log ? `price ${p[i]} is not positive: no log return` : 'price is 0: no return';
          throw new InputError(file, lines.data[at(i)], colIndex[j] + 1, what);
        }
      }
    });
    series = series.map((p, j) => {
      const r = new Float64Array(Math.max(0, rows - 1));
      for (let i = 1; i < rows; i++) {
        const v = settings.log ? Math.log(p[i] / p[i - 1]) : p[i] / p[i - 1] - 1;
        // finite prices can still overflow the ratio (1e-320 → 100): an infinite return would reach the fit as NaN
        if (!Number.isFinite(v)) throw new InputError(file, lines.data[at(i)], colIndex[j] + 1, `price ${p[i - 1]} to ${p[i]}: the return overflows`);
        r[i - 1] = v;
      }
      return r;
    });
    seriesDates = sortedDates.slice(1);
  }

  // window cut on the return's date, inclusive
  let lo = 0;
  let hi = seriesDates.length;
  if (settings.start) while (lo < hi && seriesDates[lo] < settings.start) lo++;
  if (settings.end) while (hi > lo && seriesDates[hi - 1] > settings.end) hi--;
  const n = hi - lo;
  if (n === 0) {
    if (settings.start || settings.end) throw new InputError(file, L.headerLine, 1, `no rows in the window ${settings.start ?? ''}..${settings.end ?? ''}`);
    throw new InputError(file, L.headerLine, 1, settings.prices ? 'no returns: prices need at least 2 rows' : 'no data rows');
  }
  const k = L.candidates.length;
  if (n < k + 2) throw new InputError(file, L.headerLine, 1, `${n} observations for ${k} factors: need at least ${k + 2}`);

  const cut = (a: Float64Array): Float64Array => (lo === 0 && hi === a.length ? a : a.slice(lo, hi));
  return {
    source: file,
    dates: seriesDates.slice(lo, hi),
    portfolio: settings.portfolio,
    y: cut(series[0]),
    candidates: [...L.candidates],
    X: series.slice(1).map(cut),
    headerColumns: L.headerColumns,
    returnKind,
  };
}
