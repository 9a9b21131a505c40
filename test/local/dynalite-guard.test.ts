// A leveldb error under dynalite (a full disk) must reach dynalite as a 500 answer, not as `throw err` in a callback;
// and dynalite's Query/Scan must close their leveldb iterators (an open one pins memtables: the soak's native growth).
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, QueryCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { asInternalServerError, guardDynalite } from '../../lambdas/local/dynalite-guard.ts';

const require = createRequire(import.meta.url);

describe('dynalite guard', () => {
  it('tags an I/O error as DynamoDB InternalServerError (500) and leaves "not found" alone', () => {
    const io = asInternalServerError(Object.assign(new Error('IO error: 000003.log: No space left on device'), { code: 'LEVEL_IO_ERROR' })) as Error & { statusCode: number; body: { __type: string; message: string } };
    expect(io.statusCode).toBe(500);
    expect(io.body).toEqual({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'local DynamoDB: IO error: 000003.log: No space left on device' });
    const missing = asInternalServerError(Object.assign(new Error('not found'), { code: 'LEVEL_NOT_FOUND' }));
    expect(missing).not.toHaveProperty('statusCode');
  });

  it('a failing write rejects with the tagged error (a closed database stands in for a full disk)', async () => {
    guardDynalite();
    const { Level } = require('level') as { Level: new (path: string) => { open(): Promise<void>; close(): Promise<void>; put(k: string, v: string): Promise<void> } };
    const dir = await mkdtemp(join(tmpdir(), 'varstream-level-'));
    try {
      const db = new Level(dir);
      await db.open();
      await db.close();
      await expect(db.put('k', 'v')).rejects.toMatchObject({ code: 'LEVEL_DATABASE_NOT_OPEN', statusCode: 500 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('after a failed write (a full disk), the first write that succeeds has the memtable flushed, so a restart replays it', async () => {
    guardDynalite();
    type Db = { open(): Promise<void>; close(): Promise<void>; put(k: string, v: string): Promise<void>; get(k: string): Promise<string | undefined>; _put: (...a: unknown[]) => Promise<void>; compactRange(a: string, b: string): Promise<void> };
    const { Level } = require('level') as { Level: new (path: string) => Db };
    const dir = await mkdtemp(join(tmpdir(), 'varstream-level-'));
    try {
      const db = new Level(dir);
      await db.open();
      const flushes: Array<[string, string]> = [];
      const compactRange = db.compactRange.bind(db);
      db.compactRange = (a, b) => {
        flushes.push([a, b]);
        return compactRange(a, b);
      };
      await db.put('before', '1');
      expect(flushes).toEqual([]);
      // leveldb's own error for a log write on a full disk, once
      const put = db._put.bind(db);
      db._put = async () => {
        db._put = put;
        throw Object.assign(new Error('IO error: 000003.log: No space left on device'), { code: 'LEVEL_IO_ERROR' });
      };
      await expect(db.put('lost', 'x')).rejects.toMatchObject({ statusCode: 500 });
      expect(flushes).toEqual([]);
      await db.put('after', '2');
      await db.put('later', '3');
      // one flush, on a range that holds no key (the memtable goes to a table file, nothing else is compacted)
      await vi.waitFor(() => expect(flushes).toEqual([['\x00', '\x00\x00']]));
      await db.close();
      const again = new Level(dir);
      await again.open();
      expect([await again.get('before'), await again.get('after'), await again.get('later')]).toEqual(['1', '2', '3']);
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('Query (to the end, and stopped by Limit) and Scan leave no leveldb iterator open', async () => {
    guardDynalite();
    const { AbstractLevel } = require('abstract-level') as { AbstractLevel: { prototype: { attachResource(r: unknown): void; detachResource(r: unknown): void } } };
    const open = new Set<unknown>();
    const originalAttach = AbstractLevel.prototype.attachResource;
    const originalDetach = AbstractLevel.prototype.detachResource;
    AbstractLevel.prototype.attachResource = function (r) {
      open.add(r);
      return originalAttach.call(this, r);
    };
    AbstractLevel.prototype.detachResource = function (r) {
      open.delete(r);
      return originalDetach.call(this, r);
    };
    const dir = await mkdtemp(join(tmpdir(), 'varstream-dynalite-'));
    const server = (require('dynalite') as (o: object) => Server)({ path: dir, createTableMs: 0 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    try {
      const TableName = 'iterators';
      await client.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'p', KeyType: 'HASH' }, { AttributeName: 's', KeyType: 'RANGE' }],
          AttributeDefinitions: [{ AttributeName: 'p', AttributeType: 'S' }, { AttributeName: 's', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      );
      for (let i = 0; i < 6; i++) await client.send(new PutItemCommand({ TableName, Item: { p: { S: 'a' }, s: { S: String(i) } } }));
      const query = (Limit?: number) => client.send(new QueryCommand({ TableName, KeyConditionExpression: 'p = :p', ExpressionAttributeValues: { ':p': { S: 'a' } }, Limit }));
      const counts: number[] = [];
      for (let i = 0; i < 5; i++) {
        counts.push((await query()).Count ?? -1, (await query(2)).Count ?? -1, (await client.send(new ScanCommand({ TableName }))).Count ?? -1);
      }
      expect(counts).toEqual(Array.from({ length: 5 }, () => [6, 2, 6]).flat());
      // a stream's destroy() closes its iterator asynchronously
      await vi.waitFor(() => expect(open.size).toBe(0), { timeout: 2000 });
    } finally {
      AbstractLevel.prototype.attachResource = originalAttach;
      AbstractLevel.prototype.detachResource = originalDetach;
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
