// The local S3's hardening (lambdas/local/s3-guard.ts) on a real s3rver: traversal by PUT, by form POST and by
// multipart ids is refused and writes nothing outside the bucket's folder; a write error is that request's 500 and the
// server keeps serving; two PUTs to one key never let a run keyed on the first read the second's bytes.
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import { OBJECT_CHANGED, S3ObjectStore } from '../../lambdas/adapters/object-store.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import { checkRequest, unsafeKeyReason } from '../../lambdas/local/s3-guard.ts';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'guard-test';
let aws: LocalAws;
let root: string;
let s3: ReturnType<typeof makeS3Client>;

beforeAll(async () => {
  // the s3rver folder sits two levels down, so a `../../x` key would land inside `root` where we can look for it
  root = await mkdtemp(join(tmpdir(), 'varstream-guard-'));
  const directory = join(root, 'data', 's3');
  await mkdir(directory, { recursive: true });
  aws = await startLocalAws({ buckets: [BUCKET], directory });
  s3 = makeS3Client(aws.env);
});
afterAll(async () => {
  s3?.destroy();
  await aws?.stop();
  await rm(root, { recursive: true, force: true });
});

/** A raw request (fetch and the SDK would normalise `..` away before sending it). */
function raw(method: string, path: string, body: string | Buffer = '', headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = new URL(aws.s3Endpoint);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every file under `dir` (relative paths). */
function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe('key checks', () => {
  it('refuses empty, "." and ".." segments and NUL; accepts ordinary keys', () => {
    for (const key of ['', 'a//b', '/a', 'a/', 'a/./b', 'a/../b', '..', 'x\0y']) expect(unsafeKeyReason(key), JSON.stringify(key)).toBeDefined();
    for (const key of ['uploads/tech/2024-04-30.csv', 'uploads/a.b/..c/x..y', 'config/p.json']) expect(unsafeKeyReason(key), key).toBeUndefined();
  });
  it('refuses form POSTs, bad bucket names, upload ids, part numbers and copy sources', () => {
    const req = (over: Partial<Parameters<typeof checkRequest>[0]>) => checkRequest({ method: 'PUT', path: '/b-1/k', query: {}, contentType: '', copySource: '', ...over });
    expect(req({})).toBeUndefined();
    expect(req({ method: 'POST', path: '/b-1', contentType: 'multipart/form-data; boundary=x' })?.status).toBe(403);
    expect(req({ method: 'POST', path: '/b-1' })?.status).toBe(403);
    expect(req({ method: 'POST', path: '/b-1', query: { delete: '' } })).toBeUndefined();
    expect(req({ path: '/..%2F..' })?.code).toBe('InvalidBucketName');
    expect(req({ path: '/b-1/%E0' })?.code).toBe('InvalidURI');
    expect(req({ query: { uploadId: '../../x' } })?.status).toBe(400);
    expect(req({ query: { uploadId: 'abc', partNumber: '../1' } })?.status).toBe(400);
    expect(req({ copySource: '/b-1/uploads/../../etc/passwd' })?.status).toBe(400);
    expect(req({ copySource: '/b-1/uploads/a.csv' })).toBeUndefined();
  });
});

describe('traversal on a running s3rver', () => {
  it('PUT with ".." (plain and percent-encoded) is 400 and writes nothing outside the bucket', async () => {
    const before = files(root);
    for (const path of [
      `/${BUCKET}/uploads/../../../x.csv`,
      `/${BUCKET}/uploads/%2E%2E/%2E%2E/%2E%2E/x.csv`,
      `/${BUCKET}/uploads/x/..%2F..%2Fconfig/evil.json`,
      `/${BUCKET}/uploads//x.csv`,
      `/..%2F..%2Fdata/x`,
    ]) {
      const res = await raw('PUT', path, 'date,p\n');
      expect(res.status, path).toBe(400);
    }
    expect(files(root)).toEqual(before);
    expect(existsSync(join(root, 'x.csv'))).toBe(false);
  });

  it('a browser-style multipart form POST is refused (403), whatever its key field says', async () => {
    const before = files(root);
    const boundary = '----varstream';
    const form = [
      `--${boundary}\r\nContent-Disposition: form-data; name="key"\r\n\r\nuploads/../../../evil.csv\r\n`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\nContent-Type: text/csv\r\n\r\ndate,p\n\r\n`,
      `--${boundary}--\r\n`,
    ].join('');
    const res = await raw('POST', `/${BUCKET}`, form, { 'content-type': `multipart/form-data; boundary=${boundary}` });
    expect(res.status).toBe(403);
    expect(res.text).toMatch(/form uploads are refused/);
    expect(files(root)).toEqual(before);
  });

  it('an ordinary PUT still works and leaves no temporary file behind', async () => {
    const res = await raw('PUT', `/${BUCKET}/uploads/ok/a.csv`, 'date,p\n');
    expect(res.status).toBe(200);
    expect(files(join(aws.directory, BUCKET)).filter((f) => f.includes('tmp'))).toEqual([]);
  });
});

describe('write errors', () => {
  it('a folder that cannot be created is that PUT\'s 500; the server keeps serving', async () => {
    // a file where the reports/ folder should be: mkdir fails (ENOTDIR/EEXIST) even for root, unlike chmod
    await writeFile(join(aws.directory, BUCKET, 'reports'), 'in the way');
    // the answer names the file-system error (a run failing on it says why), not "We encountered an internal error"
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'reports/r1.html', Body: '<p>x</p>' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
      message: expect.stringMatching(/^local S3: E(NOTDIR|EXIST): /),
    });
    // the object's own file cannot be opened for writing (a folder in its place: EISDIR on s3rver's write stream,
    // which had no error listener and took the process down)
    await mkdir(join(aws.directory, BUCKET, 'results', 'r1.json._S3rver_object'), { recursive: true });
    await expect(s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'results/r1.json', Body: '{}' }))).rejects.toMatchObject({
      $metadata: { httpStatusCode: 500 },
      message: expect.stringMatching(/^local S3: EISDIR: /),
    });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/still/alive.csv', Body: 'x' }));
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'uploads/still/alive.csv' }));
    expect(await out.Body!.transformToString()).toBe('x');
  });
});

describe('lineage: two PUTs to one key', () => {
  it('reading with the first ETag after the second PUT fails "the object changed after upload"; with the second it reads', async () => {
    const objects = new S3ObjectStore(BUCKET, s3);
    const key = 'uploads/race/a.csv';
    const a = await objects.putText(BUCKET, key, 'date,p\n2024-01-02,0.01\n');
    const b = await objects.putText(BUCKET, key, 'date,p\n2024-01-02,0.02\n');
    expect(a.etag).not.toBe(b.etag);
    const drain = async (o: { body: AsyncIterable<Uint8Array> }) => {
      let text = '';
      for await (const c of o.body) text += Buffer.from(c).toString();
      return text;
    };
    const read = objects.openObject(BUCKET, key, undefined, a.etag).then(drain);
    await expect(read).rejects.toThrow(InputError);
    await expect(objects.openObject(BUCKET, key, undefined, a.etag).then(drain)).rejects.toThrow(`s3://${BUCKET}/${key}:1:1: ${OBJECT_CHANGED}`);
    expect(await objects.openObject(BUCKET, key, undefined, b.etag).then(drain)).toBe('date,p\n2024-01-02,0.02\n');
    expect(await objects.hasContent(BUCKET, key, b.etag!)).toBe(true);
    expect(await objects.hasContent(BUCKET, key, a.etag!)).toBe(false);
  });

  it('20 concurrent PUTs to one key: the stored bytes are whole and match the stored ETag', async () => {
    const key = 'uploads/race/many.csv';
    const bodies = Array.from({ length: 20 }, (_, i) => `date,p\n${'2024-01-02,0.0'.padEnd(2000, String(i % 10))}\n`);
    const etags = await Promise.all(bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body })).then((r) => r.ETag)));
    const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    const text = await out.Body!.transformToString();
    const i = bodies.indexOf(text);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(out.ETag).toBe(etags[i]);
    expect(dirname(key)).toBe('uploads/race');
  });
});
