// Binary form of a shard partial, and the inline-or-by-reference message that crosses Step Functions (256 KB limit).
//
// Layout (little endian): 64-byte header
//   0 magic "VSP1" | 4 u32 version=2 | 8 f64 shard | 16 f64 start | 24 f64 end | 32 f64 count | 40 f64 sum
//   48 f64 sumSquares | 56 u32 n (tail length) | 60 u32 b (histogram bins, 0 = no histogram)
// then b Float64 histogram counts, n Float64 values (ascending) and n Uint32 sample indices (N ≤ 2^32); the
// histogram comes first so the values stay 8-byte aligned.
import { packPartial, type PackedPartial } from './tail.ts';
import type { BlobStore, ShardPartial } from './types.ts';

const MAGIC = 0x31505356; // "VSP1"
const HEADER = 64;
const VERSION = 2;

export function encodePartial(p: ShardPartial | PackedPartial): Uint8Array {
  const pk = packPartial(p);
  const n = pk.values.length;
  const b = pk.histogram?.length ?? 0;
  const buf = new ArrayBuffer(HEADER + b * 8 + n * 12);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setFloat64(8, pk.shard, true);
  dv.setFloat64(16, pk.start, true);
  dv.setFloat64(24, pk.end, true);
  dv.setFloat64(32, pk.count, true);
  dv.setFloat64(40, pk.sum, true);
  dv.setFloat64(48, pk.sumSquares, true);
  dv.setUint32(56, n, true);
  dv.setUint32(60, b, true);
  if (pk.histogram !== undefined) new Float64Array(buf, HEADER, b).set(pk.histogram);
  new Float64Array(buf, HEADER + b * 8, n).set(pk.values);
  new Uint32Array(buf, HEADER + b * 8 + n * 8, n).set(pk.indices);
  return new Uint8Array(buf);
}

/** Decodes to typed arrays; they are views on `bytes` when it is 8-byte aligned (no copy). */
export function decodePacked(bytes: Uint8Array): PackedPartial {
  if (bytes.byteLength < HEADER) throw new Error('partial: truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== VERSION) throw new Error('partial: not a varstream partial (bad magic/version)');
  const n = dv.getUint32(56, true);
  const b = dv.getUint32(60, true);
  const size = HEADER + b * 8 + n * 12;
  if (bytes.byteLength !== size) throw new Error(`partial: expected ${size} bytes, got ${bytes.byteLength}`);
  const buffer = bytes.byteOffset % 8 === 0 ? bytes.buffer : bytes.slice().buffer;
  const offset = bytes.byteOffset % 8 === 0 ? bytes.byteOffset : 0;
  const values = new Float64Array(buffer, offset + HEADER + b * 8, n);
  const indices = new Uint32Array(buffer, offset + HEADER + b * 8 + n * 8, n);
  const out: PackedPartial = {
    shard: dv.getFloat64(8, true),
    start: dv.getFloat64(16, true),
    end: dv.getFloat64(24, true),
    count: dv.getFloat64(32, true),
    sum: dv.getFloat64(40, true),
    sumSquares: dv.getFloat64(48, true),
    values,
    indices,
  };
  if (b > 0) out.histogram = Array.from(new Float64Array(buffer, offset + HEADER, b));
  return out;
}

export function decodePartial(bytes: Uint8Array): ShardPartial {
  const p = decodePacked(bytes);
  return { ...p, values: Array.from(p.values), indices: Array.from(p.indices) };
}

/** Inline JSON messages must stay under this; larger tails go to the blob store. */
export const INLINE_LIMIT = 200 * 1024;

/** Inlines the tail when its JSON is < 200 KB, else stores the binary under `key` and returns the header with `ref`. */
export async function partialToMessage(p: ShardPartial | PackedPartial, store: BlobStore, key: string): Promise<ShardPartial> {
  const head: ShardPartial = { shard: p.shard, start: p.start, end: p.end, count: p.count, sum: p.sum, sumSquares: p.sumSquares };
  if (p.histogram !== undefined) head.histogram = p.histogram;
  const n = p.values?.length ?? 0;
  // a JSON number takes at most 24 characters; only stringify when the tail might fit
  if (n * 40 < INLINE_LIMIT * 2) {
    const inline: ShardPartial = { ...head, values: Array.from(p.values ?? []), indices: Array.from(p.indices ?? []) };
    if (JSON.stringify(inline).length < INLINE_LIMIT) return inline;
  }
  const ref = await store.put(key, encodePartial(p));
  return { ...head, ref };
}

/** The reverse of partialToMessage: fetches and decodes a referenced tail; inline partials pass through. */
export async function resolvePartial(p: ShardPartial, store: BlobStore): Promise<PackedPartial> {
  if (p.ref === undefined) return packPartial(p);
  const decoded = decodePacked(await store.get(p.ref));
  if (decoded.shard !== p.shard || decoded.start !== p.start || decoded.end !== p.end) {
    throw new Error(`partial ${p.ref} holds shard ${decoded.shard} [${decoded.start}, ${decoded.end}), expected shard ${p.shard} [${p.start}, ${p.end})`);
  }
  return decoded;
}
