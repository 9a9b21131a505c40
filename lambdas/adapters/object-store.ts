// The only S3 code: binary partials (the engine's BlobStore port), streamed uploads, small JSON/text objects.
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
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

  /** Streams an object (the CSV never sits whole in memory). A missing object is the user's input problem. */
  async openObject(bucket: string, key: string, versionId?: string): Promise<OpenedObject> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
      return {
        body: out.Body as unknown as AsyncIterable<Uint8Array>,
        versionId: out.VersionId,
        etag: out.ETag?.replace(/"/g, ''),
        size: out.ContentLength ?? 0,
      };
    } catch (e) {
      if (isNotFound(e)) throw new InputError(s3Ref(bucket, key), 1, 1, 'no such object');
      throw e;
    }
  }

  /** Size/etag/version without the body; undefined when missing. */
  async head(bucket: string, key: string): Promise<{ size: number; etag?: string; versionId?: string } | undefined> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
      return { size: out.ContentLength ?? 0, etag: out.ETag?.replace(/"/g, ''), versionId: out.VersionId };
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** The text of an object, or undefined when it does not exist (optional config files). */
  async getText(bucket: string, key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return await out.Body!.transformToString('utf-8');
    } catch (e) {
      if (isNotFound(e)) return undefined;
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

  /** The most recently modified object under `prefix` ending in `suffix` (the schedule re-runs it), if any. */
  async latestObject(bucket: string, prefix: string, suffix = ''): Promise<{ key: string; versionId?: string; etag?: string; lastModified: Date } | undefined> {
    let best: { key: string; etag?: string; lastModified: Date } | undefined;
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) {
        if (!o.Key || !o.Key.toLowerCase().endsWith(suffix) || !o.LastModified) continue;
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
