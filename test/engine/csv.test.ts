import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { isIsoDate, parseNumber } from '../../lambdas/engine/csv/fields.ts';
import type { ReaderSettings } from '../../lambdas/engine/csv.ts';
import { isRealDate, parseSettings, parseSettingsJson } from '../../lambdas/engine/config.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import type { ReturnsData } from '../../lambdas/engine/types.ts';

const BAD = 'test/fixtures/bad/';
const REF = 'test/fixtures/reference/';
const defaults = parseSettings({});

/** Feeds text or bytes in chunks of `size` bytes, so every chunk boundary (inside a CRLF, a UTF-8 char) is exercised. */
async function* chunks(data: string | Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

function read(data: string | Uint8Array, settings: Partial<ReaderSettings> = {}, size = 7): Promise<ReturnsData> {
  return readReturns(chunks(data, size), 'x.csv', { ...defaults, ...settings });
}

async function inputError(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e;
    throw new Error(`expected an InputError, got ${String(e)}`);
  }
  throw new Error('expected an InputError, got a result');
}

/** Bit-for-bit comparison of two Float64Arrays (Object.is tells 0 from -0). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

function expectSameData(a: ReturnsData, b: ReturnsData, withHeader = true): void {
  expect(a.dates).toEqual(b.dates);
  expect(a.candidates).toEqual(b.candidates);
  expect(a.portfolio).toBe(b.portfolio);
  expect(a.returnKind).toBe(b.returnKind);
  expect(sameBits(a.y, b.y)).toBe(true);
  expect(a.X.length).toBe(b.X.length);
  a.X.forEach((x, j) => expect(sameBits(x, b.X[j])).toBe(true));
  if (withHeader) expect(a.headerColumns).toEqual(b.headerColumns);
}

const CLEAN = [
  'date,portfolio,A,B',
  '2023-01-02,0.01,0.02,-0.01',
  '2023-01-03,-0.02,-0.01,0.005',
  '2023-01-04,0.015,1e-3,0.002',
  '2023-01-05,0.003,-0.004,-0',
  '2023-01-06,-0.007,-0.002,-0.003',
].join('\n');

describe('readReturns: well-formed input', () => {
  it('refuses an Excel-style semicolon CSV (decimal comma) with what to do, at the first semicolon', async () => {
    const excel = 'date;tech;XLK\n2024-01-02;0,0123;0,0101\n';
    const e = await inputError(read(excel));
    expect(e.message).toBe('x.csv:1:5: semicolon-separated? export with commas (and a decimal point)');
  });

  it('reads dates, portfolio, candidates in CSV order and header columns', async () => {
    const d = await read(CLEAN + '\n');
    expect(d.source).toBe('x.csv');
    expect(d.dates).toEqual(['2023-01-02', '2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06']);
    expect(Array.from(d.y)).toEqual([0.01, -0.02, 0.015, 0.003, -0.007]);
    expect(d.candidates).toEqual(['A', 'B']);
    expect(Array.from(d.X[0])).toEqual([0.02, -0.01, 0.001, -0.004, -0.002]);
    expect(Object.is(d.X[1][3], -0)).toBe(true);
    expect(d.headerColumns).toEqual({ date: 1, portfolio: 2, A: 3, B: 4 });
    expect(d.returnKind).toBe('returns');
  });

  const messy: Array<[string, string | Uint8Array, boolean]> = [
    ['BOM + CRLF', '\ufeff' + CLEAN.replaceAll('\n', '\r\n') + '\r\n', true],
    ['no final newline, blank lines', '\n' + CLEAN.replace('\n2023-01-04', '\n\n2023-01-04') + '\n\n', true],
    ['quoted headers and fields', CLEAN.split('\n').map((l) => l.split(',').map((f) => `"${f}"`).join(',')).join('\n'), true],
    [
      'reordered columns',
      CLEAN.split('\n')
        .map((l) => {
          const [d, p, a, b] = l.split(',');
          return [a, p, b, d].join(','); // candidates keep their relative order, so the data is the same
        })
        .join('\n'),
      false,
    ],
    ['unsorted dates', [CLEAN.split('\n')[0], ...CLEAN.split('\n').slice(1).reverse()].join('\n'), true],
  ];
  for (const [name, text, sameHeader] of messy) {
    it(`gives the same data for a messy file: ${name}`, async () => {
      const clean = await read(CLEAN);
      for (const size of [1, 3, 64 * 1024]) expectSameData(await read(text, {}, size), clean, sameHeader);
    });
  }

  it('points headerColumns at the reordered positions', async () => {
    const d = await read('B,portfolio,date,A\n-0.01,0.01,2023-01-02,0.02\n0.005,-0.02,2023-01-03,-0.01\n0.002,0.015,2023-01-04,0.001\n0,0,2023-01-05,1\n');
    expect(d.headerColumns).toEqual({ B: 1, portfolio: 2, date: 3, A: 4 });
    expect(d.candidates).toEqual(['B', 'A']);
  });

  it('accepts string chunks (with a BOM) as well as bytes', async () => {
    async function* text(): AsyncGenerator<string> {
      yield '\ufeffdate,portfolio,A,B\n2023-01-02,0.01,0.02,-0.01\n';
      yield CLEAN.split('\n').slice(2).join('\n');
    }
    expectSameData(await readReturns(text(), 'x.csv', defaults), await read(CLEAN));
  });

  it('accepts a plain (sync) iterable of chunks', async () => {
    expectSameData(await readReturns([CLEAN.slice(0, 30), CLEAN.slice(30)], 'x.csv', defaults), await read(CLEAN));
  });

  it('decodes multi-byte UTF-8 names split across chunks', async () => {
    const t = 'date,portefeuille_é,Ré€𝄞\n2023-01-02,1,2\n2023-01-03,3,4\n2023-01-04,5,6\n';
    const d = await read(t, { portfolio: 'portefeuille_é' }, 1);
    expect(d.candidates).toEqual(['Ré€𝄞']);
    expect(Array.from(d.X[0])).toEqual([2, 4, 6]);
  });

  it('picks --factors in the given order and refuses an unknown one at 1:1', async () => {
    const d = await read(CLEAN, { factors: ['B', 'A'] });
    expect(d.candidates).toEqual(['B', 'A']);
    expect(Array.from(d.X[0])[0]).toBe(-0.01);
    expect(d.headerColumns).toEqual({ date: 1, portfolio: 2, B: 4, A: 3 });
    const e = await inputError(read(CLEAN, { factors: ['A', 'SPY'] }));
    expect([e.line, e.column, e.detail]).toEqual([1, 1, 'unknown factor "SPY"']);
  });

  it('refuses a factor column whose name the results use for something else (const, intercept, residual, __proto__)', async () => {
    // a factor "const" used to overwrite the intercept in Regression.coefficients (the model's α became its β)
    for (const name of ['const', 'intercept', 'residual', '__proto__']) {
      const e = await inputError(read(CLEAN.replace('date,portfolio,A,B', `date,portfolio,A,${name}`)));
      expect([e.line, e.column]).toEqual([1, 4]);
      expect(e.detail).toMatch(new RegExp(`^factor column "${name}" .*: rename it$`));
    }
    // as the portfolio, or a column left out by --factors, the name harms nothing
    const d = await read(CLEAN.replace('date,portfolio,A,B', 'date,const,A,B'), { portfolio: 'const' });
    expect(d.portfolio).toBe('const');
    expect((await read(CLEAN.replace('date,portfolio,A,B', 'date,portfolio,A,const'), { factors: ['A'] })).candidates).toEqual(['A']);
  });

  it('only validates the columns it keeps', async () => {
    const t = 'date,portfolio,A,junk\n2023-01-02,1,2,x\n2023-01-03,3,4,\n2023-01-04,5,6,y\n';
    const d = await read(t, { factors: ['A'] });
    expect(Array.from(d.y)).toEqual([1, 3, 5]);
  });

  it('cuts the window on inclusive dates', async () => {
    const d = await read(CLEAN, { start: '2023-01-03', end: '2023-01-05', factors: ['A'] });
    expect(d.dates).toEqual(['2023-01-03', '2023-01-04', '2023-01-05']);
    expect(Array.from(d.y)).toEqual([-0.02, 0.015, 0.003]);
    const e = await inputError(read(CLEAN, { start: '2024-01-01', end: '2024-02-01' }));
    expect(e.detail).toBe('no rows in the window 2024-01-01..2024-02-01');
  });
});

describe('readReturns: --prices', () => {
  const PRICES = 'date,portfolio,A\n2023-01-04,110,50\n2023-01-02,100,40\n2023-01-03,99,45\n2023-01-05,121,55\n2023-01-06,121,44\n';

  it('computes simple returns after sorting, then cuts the window on the return date', async () => {
    const all = await read(PRICES, { prices: true });
    expect(all.returnKind).toBe('simple');
    expect(all.dates).toEqual(['2023-01-03', '2023-01-04', '2023-01-05', '2023-01-06']);
    expect(Array.from(all.y)).toEqual([99 / 100 - 1, 110 / 99 - 1, 121 / 110 - 1, 0]);
    expect(Array.from(all.X[0])).toEqual([45 / 40 - 1, 50 / 45 - 1, 55 / 50 - 1, 44 / 55 - 1]);
    // the first return in the window uses the level of the day before the window
    const cut = await read(PRICES, { prices: true, start: '2023-01-04', end: '2023-01-06' });
    expect(cut.dates).toEqual(['2023-01-04', '2023-01-05', '2023-01-06']);
    expect(Array.from(cut.y)).toEqual([110 / 99 - 1, 121 / 110 - 1, 0]);
  });

  it('computes log returns ln(P_t / P_{t-1})', async () => {
    const d = await read(PRICES, { prices: true, log: true });
    expect(d.returnKind).toBe('log');
    expect(Array.from(d.y)).toEqual([Math.log(99 / 100), Math.log(110 / 99), Math.log(121 / 110), 0]);
  });

  it('refuses a return that overflows at the line and column of its price (simple and log)', async () => {
    const text = ['date,portfolio,A', '2023-01-02,100,1e-320', '2023-01-03,101,50', '2023-01-04,102,51'].join('\n');
    for (const log of [false, true]) {
      const e = await inputError(read(text, { prices: true, log }));
      expect([e.line, e.column, e.detail]).toEqual([3, 3, 'price 1e-320 to 50: the return overflows']);
    }
  });

  it('refuses a zero price (simple) at its line, a non-positive price (log), and log without prices', async () => {
    const zero = PRICES.replace('2023-01-03,99,45', '2023-01-03,99,0');
    let e = await inputError(read(zero, { prices: true }));
    expect([e.line, e.column, e.detail]).toEqual([4, 3, 'price is 0: no return']);
    const negative = PRICES.replace('2023-01-05,121,55', '2023-01-05,-121,55');
    expect((await read(negative, { prices: true })).y.length).toBe(4);
    e = await inputError(read(negative, { prices: true, log: true }));
    expect([e.line, e.column]).toEqual([5, 2]);
    expect(e.detail).toMatch(/not positive/);
    e = await inputError(read(CLEAN, { log: true }));
    expect([e.line, e.column]).toEqual([1, 1]);
    expect(e.detail).toMatch(/log.*prices/);
  });
});

describe('readReturns: line and column numbers', () => {
  it('counts physical lines through quoted newlines (LF and CRLF)', async () => {
    for (const nl of ['\n', '\r\n']) {
      const t = ['date,"port', 'folio",A', '2023-01-02,"1', '",2', '2023-01-03,3,4', '2023-01-04,5,x'].join(nl) + nl;
      const e = await inputError(read(t, { portfolio: `port${nl}folio` }));
      expect(`${e.line}:${e.column}`).toBe('6:3');
    }
  });

  it('reports a field on the line where it sits inside a multi-line row', async () => {
    const t = 'date,portfolio,A,B\n2023-01-02,"1\n\n",x,2\n';
    const e = await inputError(read(t));
    expect(`${e.line}:${e.column}`).toBe('4:3');
  });

  it('reports CSV syntax errors where the bad row starts', async () => {
    const head = 'date,portfolio,A\n2023-01-02,1,2\n2023-01-03,3,4\n';
    let e = await inputError(read(head + '2023-01-04,"5,6\n2023-01-05,7,8\n'));
    expect([e.line, e.column, e.detail]).toEqual([4, 2, 'quote not closed']);
    e = await inputError(read(head + '2023-01-04,5,"6"x\n2023-01-05,7,8\n'));
    expect([e.line, e.column]).toEqual([4, 3]);
    e = await inputError(read(head + '2023-01-04,5,6"x\n2023-01-05,7,8\n'));
    expect([e.line, e.column]).toEqual([4, 3]);
  });

  it('refuses a duplicated header name and a short row at the first missing field', async () => {
    let e = await inputError(read('date,portfolio,A,A\n'));
    expect([e.line, e.column, e.detail]).toEqual([1, 4, 'duplicate column "A" (first at column 3)']);
    e = await inputError(read('date,portfolio,A,B\n2023-01-02,1,2\n'));
    expect([e.line, e.column, e.detail]).toEqual([2, 4, 'expected 4 fields, got 3']);
  });

  it('parses numbers strictly', () => {
    expect(parseNumber(' -1.5e-3 ')).toBe(-0.0015);
    expect(parseNumber('.5')).toBe(0.5);
    expect(parseNumber('5.')).toBe(5);
    for (const bad of ['0x10', '1,5', '1e', 'inf', '-Infinity', 'nan', '--1', '1e5000']) expect(typeof parseNumber(bad)).toBe('string');
  });
});

describe('bad-input corpus (test/fixtures/bad/expected.json)', () => {
  const manifest = JSON.parse(readFileSync(BAD + 'expected.json', 'utf8')) as Record<string, { stage: string; at: string; message: string }>;

  it('has an entry for every file of the corpus', () => {
    const files = readdirSync(BAD).filter((f) => f !== 'expected.json' && !f.startsWith('.'));
    expect(files.sort()).toEqual(Object.keys(manifest).sort());
  });

  for (const [name, want] of Object.entries(JSON.parse(readFileSync(BAD + 'expected.json', 'utf8')) as Record<string, { stage: string; at: string; message: string }>)) {
    if (want.stage === 'reader') {
      it(`${name} → ${want.at} ${want.message}`, async () => {
        const file = BAD + name;
        const e = await inputError(readReturns(createReadStream(file), file, defaults));
        expect(e.file).toBe(file);
        expect(`${e.line}:${e.column}`).toBe(want.at);
        expect(e.detail).toMatch(new RegExp(want.message));
        // the same error whatever the chunking
        const e1 = await inputError(readReturns(chunks(readFileSync(file), 1), file, defaults));
        expect(e1.message).toBe(e.message);
      });
    } else if (want.stage === 'config') {
      it(`${name} → ${want.at} ${want.message}`, () => {
        const file = BAD + name;
        let error: unknown;
        try {
          parseSettingsJson(readFileSync(file, 'utf8'), file);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InputError);
        const e = error as InputError;
        expect(`${e.file}:${e.line}:${e.column}`).toBe(`${file}:${want.at}`);
        expect(e.detail).toMatch(new RegExp(want.message));
      });
    }
  }

  it('reads the files only the fit refuses (constant-column.csv, collinear.csv; see test/bin/cli.test.ts)', async () => {
    for (const name of ['constant-column.csv', 'collinear.csv']) {
      const d = await readReturns(createReadStream(BAD + name), name, defaults);
      expect(d.candidates).toEqual(['A', 'B']);
      expect(d.dates.length).toBe(12);
    }
  });
});

describe('reference fixtures (test/fixtures/reference/*.json)', () => {
  const cases = readdirSync(REF).filter((f) => f.endsWith('.json'));
  it('exist', () => expect(cases.length).toBeGreaterThan(0));
  for (const c of cases) {
    it(`${c}: readReturns gives exactly the engine's arrays`, async () => {
      const ref = JSON.parse(readFileSync(REF + c, 'utf8'));
      const settings = parseSettings({ portfolio: ref.portfolio, ...ref.settings });
      const d = await readReturns(createReadStream(REF + ref.source), ref.source, settings);
      expect(d.dates).toEqual(ref.dates);
      expect(d.candidates).toEqual(ref.candidates);
      expect(d.headerColumns).toEqual(ref.headerColumns);
      expect(d.returnKind).toBe(ref.returnKind);
      const close = (got: Float64Array, want: number[]): void => {
        expect(got.length).toBe(want.length);
        let worst = 0;
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(Math.abs(want[i]), 1e-300));
        expect(worst).toBeLessThanOrEqual(1e-15);
      };
      close(d.y, ref.y);
      ref.X.forEach((x: number[], j: number) => close(d.X[j], x));
    });
  }
});

describe('properties', () => {
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
  const table = fc
    .record({
      k: fc.integer({ min: 1, max: 4 }),
      extra: fc.integer({ min: 2, max: 12 }),
      dayOffsets: fc.uniqueArray(fc.integer({ min: 0, max: 20000 }), { minLength: 16, maxLength: 16 }),
    })
    .chain(({ k, extra, dayOffsets }) => {
      const n = k + extra;
      return fc.record({
        k: fc.constant(k),
        days: fc.constant(dayOffsets.slice(0, Math.min(n, dayOffsets.length))),
        values: fc.array(fc.array(finite, { minLength: k + 1, maxLength: k + 1 }), { minLength: n, maxLength: n }),
        perm: fc.array(fc.nat(), { minLength: n, maxLength: n }),
        crlf: fc.boolean(),
      });
    });
  const iso = (off: number): string => new Date(Date.UTC(1990, 0, 1) + off * 86_400_000).toISOString().slice(0, 10);

  it('random well-formed tables round-trip exactly, and the row order does not matter', async () => {
    await fc.assert(
      fc.asyncProperty(table, async ({ k, days, values, perm, crlf }) => {
        const rows = days.map((d, i) => [iso(d), ...values[i].map((v) => (Object.is(v, -0) ? '-0' : String(v)))]);
        const header = ['date', 'portfolio', ...Array.from({ length: k }, (_, j) => `f${j}`)].join(',');
        const nl = crlf ? '\r\n' : '\n';
        const text = [header, ...rows.map((r) => r.join(','))].join(nl) + nl;
        const d = await read(text, {}, 5);
        const order = days.map((_, i) => i).sort((a, b) => days[a] - days[b]);
        expect(d.dates).toEqual(order.map((i) => iso(days[i])));
        expect(sameBits(d.y, Float64Array.from(order.map((i) => values[i][0])))).toBe(true);
        for (let j = 0; j < k; j++) expect(sameBits(d.X[j], Float64Array.from(order.map((i) => values[i][j + 1])))).toBe(true);
        // a permutation of the rows (Fisher-Yates driven by perm)
        const shuffled = rows.slice();
        for (let i = shuffled.length - 1; i > 0; i--) {
          const r = perm[i] % (i + 1);
          [shuffled[i], shuffled[r]] = [shuffled[r], shuffled[i]];
        }
        const d2 = await read([header, ...shuffled.map((r) => r.join(','))].join(nl) + nl, {}, 5);
        expectSameData(d2, d);
      }),
      { numRuns: 60, seed: 7 },
    );
  });

  it('the fast ISO date check means exactly: YYYY-MM-DD and config.isRealDate', () => {
    const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((a) => a.join(''));
    const candidate = fc.oneof(
      fc.tuple(digits(4), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 })).map(
        ([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`,
      ),
      fc.string({ maxLength: 12 }),
    );
    fc.assert(fc.property(candidate, (s) => isIsoDate(s) === (/^\d{4}-\d{2}-\d{2}$/.test(s) && isRealDate(s))), { numRuns: 3000, seed: 5 });
    expect([isIsoDate('2024-02-29'), isIsoDate('2023-02-29'), isIsoDate('1900-02-29'), isIsoDate('2000-02-29')]).toEqual([true, false, false, true]);
  });

  it('random bytes only ever give an InputError (or data), never another exception or a hang', async () => {
    const alphabet = fc.constantFrom(...'date,portfolio,A\n\r"0123456789-.eE \ufeff\u00e9\u0000'.split(''));
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.array(alphabet, { maxLength: 200 }).map((a) => new TextEncoder().encode(a.join(''))),
      fc.array(alphabet, { maxLength: 200 }).map((a) => new TextEncoder().encode('date,portfolio,A\n2023-01-02,1,2\n' + a.join(''))),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.integer({ min: 1, max: 64 }), async (b, size) => {
        try {
          const d = await readReturns(chunks(b, size), 'r.csv', defaults);
          expect(d.dates.length).toBeGreaterThanOrEqual(d.candidates.length + 2);
        } catch (e) {
          expect(e).toBeInstanceOf(InputError);
          const ie = e as InputError;
          expect(ie.line).toBeGreaterThanOrEqual(1);
          expect(ie.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
