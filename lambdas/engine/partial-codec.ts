// Binary form of a shard partial, and the inline-or-by-reference message that crosses Step Functions (256 KB limit).
//
// Layout (little endian): 64-byte header
//   0 magic "VSP1" | 4 u32 version=1 | 8 f64 shard | 16 f64 start | 24 f64 end | 32 f64 count | 40 f64 sum
//   48 f64 sumSquares | 56 u32 n (tail length) | 60 u32 reserved
// then n Float64 values (ascending) and n Uint32 sample indices (N ≤ 10^9 < 2^32).
import { packPartial, type PackedPartial } from './tail.ts';
import type { BlobStore, ShardPartial } from './types.ts';

const MAGIC = 0x31505356; // "VSP1"
const HEADER = 64;

export function encodePartial(p: ShardPartial | PackedPartial): Uint8Array {
  const pk = packPartial(p);
  const n = pk.values.length;
  const buf = new ArrayBuffer(HEADER + n * 12);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, 1, true);
  dv.setFloat64(8, pk.shard, true);
  dv.setFloat64(16, pk.start, true);
  dv.setFloat64(24, pk.end, true);
  dv.setFloat64(32, pk.count, true);
  dv.setFloat64(40, pk.sum, true);
  dv.setFloat64(48, pk.sumSquares, true);
  dv.setUint32(56, n, true);
  new Float64Array(buf, HEADER, n).set(pk.values);
  new Uint32Array(buf, HEADER + n * 8, n).set(pk.indices);
  return new Uint8Array(buf);
}

/** Decodes to typed arrays; they are views on `bytes` when it is 8-byte aligned (no copy). */
export function decodePacked(bytes: Uint8Array): PackedPartial {
  if (bytes.byteLength < HEADER) throw new Error('partial: truncated header');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== 1) throw new Error('partial: not a varstream partial (bad magic/version)');
  const n = dv.getUint32(56, true);
  if (bytes.byteLength !== HEADER + n * 12) throw new Error(`partial: expected ${HEADER + n * 12} bytes, got ${bytes.byteLength}`);
  let values: Float64Array;
  let indices: Uint32Array;
  if (bytes.byteOffset % 8 === 0) {
    values = new Float64Array(bytes.buffer, bytes.byteOffset + HEADER, n);
    indices = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER + n * 8, n);
  } else {
    const copy = bytes.slice();
    values = new Float64Array(copy.buffer, HEADER, n);
    indices = new Uint32Array(copy.buffer, HEADER + n * 8, n);
  }
  return {
    shard: dv.getFloat64(8, true),
    start: dv.getFloat64(16, true),
    end: dv.getFloat64(24, true),
    count: dv.getFloat64(32, true),
    sum: dv.getFloat64(40, true),
    sumSquares: dv.getFloat64(48, true),
    values,
    indices,
  };
}

export function decodePartial(bytes: Uint8Array): ShardPartial {
  const p = decodePacked(bytes);
  return { ...p, values: Array.from(p.values), indices: Array.from(p.indices) };
}

/** Inline JSON messages must stay under this; larger tails go to the blob store. */
export const INLINE_LIMIT = 200 * 1024;

/** Inlines the tail when its JSON is < 200 KB, else stores the binary under `key` and returns the header with `ref`. */
export async function partialToMessage(p: ShardPartial | PackedPartial, store: BlobStore, key: string): Promise<ShardPartial> {
  const head = { shard: p.shard, start: p.start, end: p.end, count: p.count, sum: p.sum, sumSquares: p.sumSquares };
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
