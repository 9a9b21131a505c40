// The streaming CSV reader: bytes (or text) in, validated, date-sorted, window-cut returns out.
// Pure: it takes any AsyncIterable (a node Readable, an S3 Body) and does no I/O itself. Only the parsed numbers are
// kept (growable Float64Arrays), never the text. Every content problem is an InputError pointing at FILE:LINE:COLUMN.
// The pieces live in ./csv/: fields (numbers, dates), decode (strict UTF-8), header (the columns), growable (storage).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type CsvError, parse } from 'csv-parse';
import { InputError } from './types.ts';
import type { ReturnsData } from './types.ts';
import { countNewlines, decodeStrict } from './csv/decode.ts';
import { ISO_DATE, isIsoDate, parseNumber, quote, trimmed } from './csv/fields.ts';
import { type Growable, growableF64, growableI32 } from './csv/growable.ts';
import { type Layout, type ReaderSettings, readHeader } from './csv/header.ts';
import { SeenDates } from './csv/seen-dates.ts';

export type { ReaderSettings } from './csv/header.ts';

/** A longer row is certainly not a returns table; the cap keeps random input from growing one field forever. */
export const MAX_RECORD_CHARS = 1 << 20;

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
  const seen = new SeenDates();
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
    const before = seen.firstLine(d, line);
    if (before !== undefined) fail(L.dateIndex, `duplicate date ${d} (first on line ${before})`);
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
  // a file in date order (the usual case) is not copied through the permutation
  const sortedDates = order ? Array.from({ length: rows }, (_, i) => dates[at(i)]) : dates;
  const colIndex = [L.portfolioIndex, ...L.factorIndex];
  let series: Float64Array[] = columns.map((c) => (order ? Float64Array.from({ length: rows }, (_, i) => c.data[at(i)]) : c.data.slice(0, rows)));
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
    dates: lo === 0 && hi === seriesDates.length ? seriesDates : seriesDates.slice(lo, hi),
    portfolio: settings.portfolio,
    y: cut(series[0]),
    candidates: [...L.candidates],
    X: series.slice(1).map(cut),
    headerColumns: L.headerColumns,
    returnKind,
  };
}
