// Strict UTF-8 decoding of the CSV's chunks, locating the first bad byte or NUL at its line and field.
import { InputError } from '../../contracts/errors.ts';

/**
 * Count of '\n' in s (native indexOf, fast on large chunks).
 *
 * @example countNewlines('a\nb\n') // 2
 */
export function countNewlines(s: string): number {
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
 *
 * @example for await (const c of decodeStrict(['date,p\n'], 'a.csv')) … // yields 'date,p\n'
 */
export async function* decodeStrict(input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>, file: string): AsyncGenerator<string | Buffer> {
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
