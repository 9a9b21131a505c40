// Binary form of a shard partial, and the inline-or-by-reference message that crosses Step Functions (256 KB limit).
//
// Layout (little endian): 16-byte preamble
//   0 magic "VSP1" | 4 u32 version=3 | 8 u32 h (bytes of the JSON header, a multiple of 8) | 12 u32 n (samples)
// then the JSON header (every field but values/indices/ref, space-padded to a multiple of 8 bytes), n Float64 values
// and n Uint32 sample indices (N ≤ 2^32); the padding keeps the values 8-byte aligned.
import { StoredDataError } from '../contracts/errors.ts';
import type { BlobStore, ShardPartial, ShardPartialHead } from './types.ts';

/** A partial with its in-bracket samples in typed arrays (what workers and the binary codec pass around). */
export interface PackedPartial extends ShardPartialHead {
  values: Float64Array;
  indices: Uint32Array;
}

const MAGIC = 0x31505356; // "VSP1"
const PREAMBLE = 16;
const VERSION = 3;

/** Partial as typed arrays (copies number[] samples; typed ones pass through). */
export function packPartial(p: ShardPartial | PackedPartial): PackedPartial {
  if ((p as ShardPartial).ref !== undefined) throw new Error(`partial of shard ${p.shard} is a reference: resolve it first`);
  const values = p.values instanceof Float64Array ? p.values : Float64Array.from(p.values ?? []);
  const indices = p.indices instanceof Uint32Array ? p.indices : Uint32Array.from(p.indices ?? []);
  return { ...headerOf(p), values, indices };
}

/** Every field but the samples (and ref). */
function headerOf(p: ShardPartial | PackedPartial): ShardPartialHead {
  const { values: _v, indices: _i, ref: _r, ...head } = p as ShardPartial;
  return head;
}

function headerBytes(p: ShardPartial | PackedPartial): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(headerOf(p)));
  const padded = new Uint8Array(Math.ceil(json.length / 8) * 8).fill(0x20);
  padded.set(json);
  return padded;
}

/** Bytes of encodePartial(p): what a partial weighs on the wire (the run JSON's transfer.bytes). */
export function encodedSize(p: ShardPartial | PackedPartial): number {
  return PREAMBLE + headerBytes(p).length + 12 * (p.values?.length ?? 0);
}

export function encodePartial(p: ShardPartial | PackedPartial): Uint8Array {
  const pk = packPartial(p);
  const n = pk.values.length;
  const head = headerBytes(pk);
  const buf = new ArrayBuffer(PREAMBLE + head.length + n * 12);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, VERSION, true);
  dv.setUint32(8, head.length, true);
  dv.setUint32(12, n, true);
  new Uint8Array(buf, PREAMBLE, head.length).set(head);
  new Float64Array(buf, PREAMBLE + head.length, n).set(pk.values);
  new Uint32Array(buf, PREAMBLE + head.length + n * 8, n).set(pk.indices);
  return new Uint8Array(buf);
}

/** Decodes to typed arrays; they are views on `bytes` when it is 8-byte aligned (no copy). */
export function decodePacked(bytes: Uint8Array, key = 'partial'): PackedPartial {
  if (bytes.byteLength < PREAMBLE) throw new StoredDataError(key, `${key}: truncated header`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== MAGIC || dv.getUint32(4, true) !== VERSION) throw new StoredDataError(key, `${key}: not a varstream partial (bad magic/version)`);
  const h = dv.getUint32(8, true);
  const n = dv.getUint32(12, true);
  const size = PREAMBLE + h + n * 12;
  if (h % 8 !== 0 || bytes.byteLength !== size) throw new StoredDataError(key, `${key}: expected ${size} bytes, got ${bytes.byteLength}`);
  const buffer = bytes.byteOffset % 8 === 0 ? bytes.buffer : bytes.slice().buffer;
  const offset = bytes.byteOffset % 8 === 0 ? bytes.byteOffset : 0;
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, offset + PREAMBLE, h))) as ShardPartialHead;
  const values = new Float64Array(buffer, offset + PREAMBLE + h, n);
  const indices = new Uint32Array(buffer, offset + PREAMBLE + h + n * 8, n);
  return { ...head, values, indices };
}

export function decodePartial(bytes: Uint8Array): ShardPartial {
  const p = decodePacked(bytes);
  return { ...p, values: Array.from(p.values), indices: Array.from(p.indices) };
}

/** Inline JSON messages must stay under this; larger partials go to the blob store. */
export const INLINE_LIMIT = 200 * 1024;

/** Inlines the partial when its JSON is < 200 KB, else stores the binary under `key` and returns the header with `ref`. */
export async function partialToMessage(p: ShardPartial | PackedPartial, store: BlobStore, key: string): Promise<ShardPartial> {
  const head = headerOf(p);
  const n = p.values?.length ?? 0;
  // a JSON number takes at most 24 characters; only stringify when the samples might fit
  if (n * 40 < INLINE_LIMIT * 2) {
    const inline: ShardPartial = { ...head, values: Array.from(p.values ?? []), indices: Array.from(p.indices ?? []) };
    if (JSON.stringify(inline).length < INLINE_LIMIT) return inline;
  }
  const ref = await store.put(key, encodePartial(p));
  return { ...head, ref };
}

/** The reverse of partialToMessage: fetches and decodes a referenced partial; inline partials pass through. */
export async function resolvePartial(p: ShardPartial, store: BlobStore): Promise<PackedPartial> {
  if (p.ref === undefined) return packPartial(p);
  const decoded = decodePacked(await store.get(p.ref), p.ref);
  if (decoded.shard !== p.shard || decoded.start !== p.start || decoded.end !== p.end) {
    throw new StoredDataError(p.ref, `partial ${p.ref} holds shard ${decoded.shard} [${decoded.start}, ${decoded.end}), expected shard ${p.shard} [${p.start}, ${p.end})`);
  }
  return decoded;
}
