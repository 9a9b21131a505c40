// The only S3 code: binary partials (the engine's BlobStore port), streamed uploads, small JSON/text objects.
import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { InputError, type BlobStore } from '../engine/types.ts';
import { makeS3Client } from './clients.ts';

export interface OpenedObject {
  body: AsyncIterable<Uint8Array>;
  versionId?: string;
  etag?: string;
  size: number;
}

/** `s3://bucket/key`: the reference format of stored partials and reports. */
export function s3Ref(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** Splits `s3://bucket/key`; a bare key means `defaultBucket`. */
export function parseS3Ref(ref: string, defaultBucket: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(ref);
  return m ? { bucket: m[1], key: m[2] } : { bucket: defaultBucket, key: ref };
}

export function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'NoSuchKey' || err?.name === 'NotFound' || err?.$metadata?.httpStatusCode === 404;
}

const isForbidden = (e: unknown): boolean => (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 403;
const isPreconditionFailed = (e: unknown): boolean => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err?.name === 'PreconditionFailed' || err?.$metadata?.httpStatusCode === 412;
};

/** The message of a run whose object is no longer the one it was keyed on (a second PUT to the same key). */
export const OBJECT_CHANGED = 'the object changed after upload; re-run it';

/** A single-part upload's ETag is the MD5 of its bytes (a multipart one ends in -<parts>). */
export const isMd5 = (etag: string): boolean => /^[0-9a-f]{32}$/.test(etag.replace(/"/g, ''));

/** Passes `body` through; at its end, throws OBJECT_CHANGED unless the bytes' MD5 is `etag`. */
function md5Checked(body: AsyncIterable<Uint8Array>, etag: string, ref: string): AsyncIterable<Uint8Array> {
  return {
    async *[Symbol.asyncIterator]() {
      const hash = createHash('md5');
      for await (const chunk of body) {
        hash.update(chunk);
        yield chunk;
      }
      if (hash.digest('hex') !== etag.replace(/"/g, '')) throw new InputError(ref, 1, 1, OBJECT_CHANGED);
    },
  };
}

export class S3ObjectStore implements BlobStore {
  constructor(
    readonly bucket: string,
    readonly client: S3Client = makeS3Client(),
  ) {}

  /** Stores binary bytes under `key` of this bucket; returns the `s3://` reference. */
  async put(key: string, body: Uint8Array): Promise<string> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }),
    );
    return s3Ref(this.bucket, key);
  }

  async get(ref: string): Promise<Uint8Array> {
    const { bucket, key } = parseS3Ref(ref, this.bucket);
    const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return out.Body!.transformToByteArray();
  }

  /**
   * Streams an object (the CSV never sits whole in memory). A missing object is the user's input problem. Lineage: with
   * a version id that exact version is read (AWS); without one, `etag` is sent as If-Match and checked on the answer
   * too (s3rver), so a run never reads another upload's bytes under the same key.
   */
  async openObject(bucket: string, key: string, versionId?: string, etag?: string): Promise<OpenedObject> {
    const ifMatch = !versionId && etag ? `"${etag.replace(/"/g, '')}"` : undefined;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, IfMatch: ifMatch }));
      const opened: OpenedObject = {
        body: out.Body as unknown as AsyncIterable<Uint8Array>,
        versionId: out.VersionId,
        etag: out.ETag?.replace(/"/g, ''),
        size: out.ContentLength ?? 0,
      };
      if (ifMatch && opened.etag !== undefined && `"${opened.etag}"` !== ifMatch) {
        await opened.body[Symbol.asyncIterator]().return?.();
        throw new InputError(s3Ref(bucket, key), 1, 1, OBJECT_CHANGED);
      }
      // s3rver ignores If-Match and its ETag header is written after the bytes: the bytes' own MD5 decides
      if (ifMatch && isMd5(etag!)) opened.body = md5Checked(opened.body, etag!, s3Ref(bucket, key));
      return opened;
    } catch (e) {
      if (e instanceof InputError) throw e;
      if (ifMatch && isPreconditionFailed(e)) throw new InputError(s3Ref(bucket, key), 1, 1, OBJECT_CHANGED);
      if (await this.missing(bucket, key, e)) throw new InputError(s3Ref(bucket, key), 1, 1, 'no such object');
      throw e;
    }
  }

  /**
   * Whether error `e` of a read of `key` means "no such object". S3 answers 403, not 404, for a missing key to a role
   * without s3:ListBucket; our roles may list only under their own prefixes (an s3:prefix condition), so a 403 is
   * settled by listing that one key.
   */
  private async missing(bucket: string, key: string, e: unknown): Promise<boolean> {
    if (isNotFound(e)) return true;
    if (!isForbidden(e)) return false;
    try {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
      // the key itself sorts first among the keys it prefixes
      return out.Contents?.[0]?.Key !== key;
    } catch {
      return false; // may not list here either: the 403 stands
    }
  }

  /** Whether the object under `key` now has the bytes whose MD5 is `etag` (a run that failed to parse asks this). */
  async hasContent(bucket: string, key: string, etag: string): Promise<boolean> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    if (!out?.Body) return false;
    const hash = createHash('md5');
    for await (const chunk of out.Body as unknown as AsyncIterable<Uint8Array>) hash.update(chunk);
    return hash.digest('hex') === etag.replace(/"/g, '');
  }

  /** A time-limited GET URL of one object (S3 on AWS; the local s3rver locally): large answers go by reference. */
  presignGet(bucket: string, key: string, expiresInSeconds = 900): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: expiresInSeconds });
  }

  /** Size/etag/version without the body; undefined when missing. */
  async head(bucket: string, key: string): Promise<{ size: number; etag?: string; versionId?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag?.replace(/"/g, ''), versionId: out.VersionId };
    } catch (e) {
      if (await this.missing(bucket, key, e)) return undefined;
      throw e;
    }
  }

  /** The text of an object, or undefined when it does not exist (optional config files). */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToString('utf-8');
    } catch (e) {
      if (await this.missing(bucket, key, e)) return undefined;
      throw e;
    }
  }

  async getJson<T = unknown>(bucket: string, key: string): Promise<T | undefined> {
    const text = await this.getText(bucket, key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /** Writes text (reports, inline CSV uploads); returns the new version id when the bucket is versioned. */
  async putText(
    bucket: string,
    key: string,
    text: string,
    contentType = 'text/plain; charset=utf-8',
  ): Promise<{ versionId?: string; etag?: string }> {
    const out = await this.client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType }),
    );
    return { versionId: out.VersionId, etag: out.ETag?.replace(/"/g, '') };
  }

  /** The "folders" directly under `prefix` (ListObjectsV2 with delimiter "/"), without the prefix and the slash. */
  async listPrefixes(bucket: string, prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix.slice(prefix.length, -1));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** The most recently modified object under `prefix` ending in `suffix` (the schedule re-runs it), if any. */
  async latestObject(bucket: string, prefix: string, suffix = ''): Promise<{ key: string; versionId?: string; etag?: string; lastModified: Date } | undefined> {
    let best: { key: string; etag?: string; lastModified: Date } | undefined;
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) {
        if (!o.Key?.toLowerCase().endsWith(suffix) || !o.LastModified) continue;
        if (!best || o.LastModified > best.lastModified || (+o.LastModified === +best.lastModified && o.Key > best.key))
          best = { key: o.Key, etag: o.ETag?.replace(/"/g, ''), lastModified: o.LastModified };
      }
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    if (!best) return undefined;
    const head = await this.head(bucket, best.key);
    return { ...best, versionId: head?.versionId };
  }
}
