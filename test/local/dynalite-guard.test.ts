// A leveldb error under dynalite (a full disk) must reach dynalite as a 500 answer, not as `throw err` in a callback.
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
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
});
