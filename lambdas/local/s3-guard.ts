// Hardening of the local S3 (s3rver). s3rver maps a key straight onto a file path, so a key with `..` segments writes
// outside its data folder; it writes objects in place (a reader sees a torn file, or another PUT's bytes); and an
// error on its write stream (ENOSPC, EACCES) has no listener and takes the whole process down. Two layers:
// - a request hook in front of s3rver's routes: keys with empty, `.` or `..` segments, unsafe bucket names, upload
//   ids and part numbers are refused (400), and so are browser form uploads (POST multipart/form-data, 403) — the
//   stack binds to 127.0.0.1, but any web page in a local browser can still reach it;
// - a store that never leaves the bucket's folder (checked on the resolved path, whatever the request looked like),
//   writes each object to a temporary file and renames it into place (readers see the old or the new bytes, never a
//   mix), and turns every file-system error into that request's error (s3rver answers 500 with the error's message).
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);

/** S3 bucket naming rules (3–63 characters: lower-case letters, digits, '.', '-'). */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** s3rver's upload ids and part numbers go into file paths too. */
const UPLOAD_ID = /^[A-Za-z0-9_-]{1,256}$/;

/** Why a key is refused, or undefined when it is safe (no empty, `.` or `..` segment; no NUL). */
export function unsafeKeyReason(key: string): string | undefined {
  if (key.length === 0) return 'empty key';
  if (key.includes('\0')) return 'NUL in key';
  const bad = key.split('/').find((s) => s === '' || s === '.' || s === '..');
  if (bad !== undefined) return `key "${key}" has an empty, "." or ".." segment`;
  return undefined;
}

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  get(header: string): string;
  status: number;
  type: string;
  body: unknown;
}
type Next = () => Promise<unknown>;

function refuse(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  const esc = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${esc(message)}</Message></Error>`;
}

/** Why a request is refused (status, S3 code, message), or undefined to pass it on to s3rver. */
export function checkRequest(req: { method: string; path: string; query: Record<string, unknown>; contentType: string; copySource: string }):
  | { status: number; code: string; message: string }
  | undefined {
  let parts: string[];
  try {
    parts = req.path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { status: 400, code: 'InvalidURI', message: 'malformed percent-escape in the path' };
  }
  const [bucket = '', ...rest] = parts;
  // `/bucket/` (CreateBucket, ListObjects from some clients) addresses the bucket, not an empty key
  const keyParts = rest.length === 1 && rest[0] === '' ? [] : rest;
  const method = req.method.toUpperCase();
  // browser-based (form) uploads: POST /bucket with a multipart/form-data body
  if (/^multipart\/form-data/i.test(req.contentType) || (method === 'POST' && keyParts.length === 0 && bucket !== '' && !('delete' in req.query)))
    return { status: 403, code: 'AccessDenied', message: 'browser form uploads are refused by the local stack: PUT the object instead' };
  if (bucket !== '' && !BUCKET_NAME.test(bucket)) return { status: 400, code: 'InvalidBucketName', message: `bad bucket name "${bucket}"` };
  if (keyParts.length > 0) {
    const why = unsafeKeyReason(keyParts.join('/'));
    if (why) return { status: 400, code: 'InvalidArgument', message: why };
  }
  const uploadId = req.query.uploadId;
  if (uploadId !== undefined && !(typeof uploadId === 'string' && UPLOAD_ID.test(uploadId)))
    return { status: 400, code: 'NoSuchUpload', message: 'bad upload id' };
  const partNumber = req.query.partNumber;
  if (partNumber !== undefined && !(typeof partNumber === 'string' && /^[0-9]{1,5}$/.test(partNumber)))
    return { status: 400, code: 'InvalidArgument', message: 'bad part number' };
  if (req.copySource) {
    let source: string;
    try {
      source = decodeURIComponent(req.copySource.split('?')[0]).replace(/^\//, '');
    } catch {
      return { status: 400, code: 'InvalidArgument', message: 'malformed x-amz-copy-source' };
    }
    const [srcBucket = '', ...srcKey] = source.split('/');
    if (!BUCKET_NAME.test(srcBucket)) return { status: 400, code: 'InvalidBucketName', message: `bad copy source bucket "${srcBucket}"` };
    const why = unsafeKeyReason(srcKey.join('/'));
    if (why) return { status: 400, code: 'InvalidArgument', message: `copy source: ${why}` };
  }
  return undefined;
}

interface Guardable {
  middleware: Array<(ctx: KoaContext, next: Next) => unknown>;
  store: unknown;
  context: { store: unknown };
}

/** Installs the request check first in s3rver's middleware and swaps in the safe store. Call before `run()`. */
export function guardS3rver(s3: Guardable, directory: string): void {
  s3.middleware.unshift(async (ctx, next) => {
    const refused = checkRequest({ method: ctx.method, path: ctx.path, query: ctx.query, contentType: ctx.get('content-type'), copySource: ctx.get('x-amz-copy-source') });
    if (refused) return refuse(ctx, refused.status, refused.code, refused.message);
    try {
      return await next();
    } catch (e) {
      throw storeError(e);
    }
  });
  s3.store = s3.context.store = new (safeStoreClass())(directory);
}

/**
 * A file-system error of the store (ENOSPC, EACCES, …) as s3rver's 500 InternalError with the error's own message
 * ("local S3: ENOSPC: no space left on device, write"), not "We encountered an internal error": a run that fails on
 * it says why. Anything else passes untouched.
 */
export function storeError(e: unknown): unknown {
  const err = e as NodeJS.ErrnoException;
  if (!(err instanceof Error) || typeof err.syscall !== 'string') return e;
  // s3rver's error handler shows the message of an error marked `expose`
  return Object.assign(new Error(`local S3: ${err.message}`), { expose: true });
}

type Store = {
  rootDirectory: string;
  getResourcePath(bucket: string, key?: string, resource?: string): string;
  getBucketPath(bucket: string): string;
  putMetadata(bucket: string, key: string, metadata: unknown, md5?: string): Promise<void>;
};
interface StoredObject {
  bucket: string;
  key: string;
  content: Buffer | NodeJS.ReadableStream;
  metadata: unknown;
}

let SafeStore: (new (directory: string) => Store) | undefined;

function safeStoreClass(): new (directory: string) => Store {
  if (SafeStore) return SafeStore;
  const FilesystemStore = require('s3rver/lib/stores/filesystem') as new (directory: string) => Store;
  const S3Error = require('s3rver/lib/models/error') as new (code: string, message: string) => Error;
  // commits of the same key in order: rename + metadata of one PUT never interleave with another's
  const commits = new Map<string, Promise<unknown>>();

  class Safe extends FilesystemStore {
    override getBucketPath(bucket: string): string {
      const root = resolve(this.rootDirectory);
      const path = resolve(super.getBucketPath(bucket));
      if (dirname(path) !== root) throw new S3Error('InvalidBucketName', 'The specified bucket is not valid.');
      return path;
    }

    override getResourcePath(bucket: string, key = '', resource?: string): string {
      const bucketPath = this.getBucketPath(bucket);
      const path = resolve(super.getResourcePath(bucket, key, resource));
      if (!path.startsWith(bucketPath + sep)) throw new S3Error('InvalidArgument', `key "${key}" resolves outside its bucket`);
      return path;
    }

    async putObject(object: StoredObject): Promise<{ size: number; md5: string }> {
      const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
      await mkdir(dirname(objectPath), { recursive: true });
      // not named *._S3rver_object: listings never show it
      const tmp = join(dirname(objectPath), `.s3rver-tmp-${randomUUID()}`);
      const { size, md5 } = await writeHashed(object.content, tmp);
      const commit = (commits.get(objectPath) ?? Promise.resolve()).catch(() => undefined).then(async () => {
        await rename(tmp, objectPath);
        await this.putMetadata(object.bucket, object.key, object.metadata, md5);
      });
      commits.set(objectPath, commit);
      try {
        await commit;
      } catch (e) {
        await unlink(tmp).catch(() => undefined);
        throw e;
      } finally {
        if (commits.get(objectPath) === commit) commits.delete(objectPath);
      }
      return { size, md5 };
    }

    async putPart(bucket: string, uploadId: string, partNumber: number, content: NodeJS.ReadableStream): Promise<{ size: number; md5: string }> {
      if (!UPLOAD_ID.test(uploadId) || !Number.isInteger(Number(partNumber))) throw new S3Error('NoSuchUpload', 'bad upload id or part number');
      const partPath = join(this.getResourcePath(bucket, undefined, 'uploads'), uploadId, String(partNumber));
      await mkdir(dirname(partPath), { recursive: true });
      const result = await writeHashed(content, partPath);
      await writeFile(`${partPath}.md5`, result.md5);
      return result;
    }
  }
  SafeStore = Safe;
  return Safe;
}

/** Streams `content` to `path` while hashing it; any read or write error (ENOSPC, EACCES) rejects, nothing is left. */
async function writeHashed(content: Buffer | NodeJS.ReadableStream, path: string): Promise<{ size: number; md5: string }> {
  const hash = createHash('md5');
  let size = 0;
  // the request body goes through a pass-through, so a write error fails this PUT (500) without destroying the
  // client's socket (it gets the answer; the rest of its body is drained)
  const source = Buffer.isBuffer(content) ? Readable.from([content]) : (content as NodeJS.ReadableStream & Readable);
  const pass = new PassThrough();
  source.on('error', (e: Error) => pass.destroy(e));
  source.pipe(pass);
  try {
    await pipeline(
      pass,
      new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          size += chunk.length;
          callback(null, chunk);
        },
      }),
      createWriteStream(path),
    );
  } catch (e) {
    source.unpipe(pass);
    source.resume();
    await unlink(path).catch(() => undefined);
    throw e;
  }
  return { size, md5: hash.digest('hex') };
}
