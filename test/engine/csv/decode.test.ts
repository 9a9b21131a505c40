import { describe, expect, it } from 'vitest';
import { InputError } from '../../../lambdas/contracts/errors.ts';
import { countNewlines, decodeStrict } from '../../../lambdas/engine/csv/decode.ts';

async function collect(chunks: Array<Uint8Array | string>): Promise<string> {
  const out: Buffer[] = [];
  for await (const c of decodeStrict(chunks, 'a.csv')) out.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(out).toString('utf-8');
}

async function refusal(chunks: Array<Uint8Array | string>): Promise<InputError> {
  try {
    await collect(chunks);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('decodeStrict', () => {
  it('passes the bytes on unchanged, even with a character split across chunks', async () => {
    const bytes = Buffer.from('date,p€\n2024-01-02,0.1\n');
    const at = bytes.indexOf(0xe2) + 1; // inside the three bytes of €
    expect(await collect([bytes.subarray(0, at), bytes.subarray(at)])).toBe('date,p€\n2024-01-02,0.1\n');
    expect(await collect(['\ufeffdate,p\n'])).toBe('date,p\n'); // a string's BOM is dropped
  });
  it('locates a NUL byte and an invalid UTF-8 byte at their line and field', async () => {
    const nul = await refusal(['date,p\n2024-01-02,0', '.1\0\n']);
    expect([nul.line, nul.column, nul.detail]).toEqual([2, 2, 'binary content (NUL byte): not a UTF-8 text CSV']);
    const latin1 = await refusal([Buffer.from('date,p\n2024-01-02,caf'), new Uint8Array([0xe9, 0x0a])]);
    expect([latin1.line, latin1.column, latin1.detail]).toEqual([2, 2, 'invalid UTF-8 byte sequence: not a UTF-8 text CSV']);
    const cut = await refusal([new Uint8Array([0x61, 0xe2, 0x82])]);
    expect(cut.detail).toBe('invalid UTF-8 byte sequence at the end of the file');
  });
  it('counts newlines', () => {
    expect([countNewlines(''), countNewlines('a\nb\n'), countNewlines('\n\n\n')]).toEqual([0, 2, 3]);
  });
});
