// dynalite answers an error without a statusCode by `throw err` inside a callback (dynalite/index.js): a leveldb write
// that fails (ENOSPC: "IO error: …/000003.log: No space left on device") became an uncaught exception that took the
// whole local stack down. Every rejection of the leveldb operations dynalite uses is tagged as DynamoDB's
// InternalServerError (500), which dynalite sends as that request's answer; the SDK's client then sees a 500 like
// AWS's. A missing key (LEVEL_NOT_FOUND) is dynalite's own control flow and passes untouched.
//
// dynalite also never closed a leveldb iterator: its Query/Scan streams end with `iterator.return()`, a method
// abstract-level 3's iterators do not have (they have close()). Each Query left an open native iterator and its
// implicit snapshot, which pins leveldb's memtables and table versions: the local stack's RSS grew ~750 KB per run
// (issue 12's soak), none of it on a JavaScript heap. The guard gives the iterators the `return` dynalite calls.
//
// After a failed write (ENOSPC), leveldb's log has a hole: what is written next lives in memory and in a log that a
// restart cannot replay. The first write that succeeds again has the memtable flushed to a table file.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Method = (...args: unknown[]) => unknown;

let installed = false;

/** Tags `err` as a DynamoDB InternalServerError (dynalite answers `err.body` with `err.statusCode`). */
export function asInternalServerError(err: Error & { code?: string; statusCode?: number; body?: unknown }): Error {
  if (err.code === 'LEVEL_NOT_FOUND' || err.statusCode) return err;
  err.statusCode = 500;
  err.body = { __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: `local DynamoDB: ${err.message}` };
  return err;
}

/** Wraps put/get/del/batch of the leveldb class dynalite opens, and lets its streams close their iterators (once per process). */
export function guardDynalite(): void {
  if (installed) return;
  installed = true;
  const iterators = require('abstract-level') as Record<'AbstractIterator' | 'AbstractKeyIterator' | 'AbstractValueIterator', { prototype: Record<string, unknown> }>;
  for (const kind of [iterators.AbstractIterator, iterators.AbstractKeyIterator, iterators.AbstractValueIterator]) {
    if (typeof kind.prototype.return === 'function') continue;
    // the async-iterator protocol's return(): what dynalite's stream destroy() calls
    kind.prototype.return = async function (this: { close(): Promise<void> }) {
      await this.close();
      return { done: true, value: undefined };
    };
  }
  const { Level } = require('level') as { Level: { prototype: Record<string, Method> } };
  // databases whose log took a failed write: once a write succeeds again, the memtable goes to a table file
  const unflushed = new WeakSet<object>();
  for (const name of ['put', 'get', 'del', 'batch']) {
    const original = Level.prototype[name];
    const writes = name !== 'get';
    // abstract-level 3 is promise-only; dynalite wraps these promises into its callbacks (wrapWithCallbacks)
    Level.prototype[name] = function (this: LevelDb, ...args: unknown[]) {
      const out = original.apply(this, args);
      if (!(out instanceof Promise)) return out;
      return out.then(
        (value) => {
          if (writes && unflushed.has(this)) flushAfterWriteError(this, unflushed);
          return value;
        },
        (err: Error & { code?: string }) => {
          if (writes && err.code === 'LEVEL_IO_ERROR') unflushed.add(this);
          throw asInternalServerError(err);
        },
      );
    };
  }
}

interface LevelDb {
  compactRange(start: string, end: string): Promise<void>;
}

/**
 * A failed write leaves a hole in leveldb's log (its buffered bytes are dropped, later records are misaligned), so a
 * restart's log replay would lose every write since (a run's FAILED recorded after the disk had room again). Once
 * writes succeed again, the memtable is written to a table file and the log starts afresh: compactRange on a range
 * that holds no key flushes the memtable and compacts nothing else.
 */
function flushAfterWriteError(db: LevelDb, unflushed: WeakSet<object>): void {
  unflushed.delete(db);
  db.compactRange('\x00', '\x00\x00').catch(() => unflushed.add(db));
}
