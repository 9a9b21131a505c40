// Fit's refusal of an over-size upload: an InputError naming the object, and the unread body is ended (its socket
// goes back to the client's pool instead of leaking one per refused run).
import { describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { fitStep } from '../../lambdas/handlers/fit.ts';
import type { RunRecord } from '../../lambdas/engine/types.ts';

describe('fitStep', () => {
  it('refuses a file over maxFileBytes and ends its body unread', async () => {
    let ended = 0;
    let read = 0;
    const body: AsyncIterable<Uint8Array> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => (read++, { done: false, value: new Uint8Array(1) }),
        return: async () => (ended++, { done: true, value: undefined }),
      }),
    };
    const records: RunRecord[] = [];
    const deps = {
      bucket: 'b',
      objects: { getText: async () => undefined, openObject: async () => ({ body, size: 1000 }) },
      runs: { create: async (r: RunRecord) => (records.push(r), { created: true, record: r }) },
      inlineShardLimit: 40,
      logger: new Logger({ logLevel: 'SILENT' }),
    } as unknown as Parameters<typeof fitStep>[1];
    const run = { runId: 'r1', portfolioId: 'p', input: { bucket: 'b', key: 'uploads/p/x.csv' }, createdAt: '2024-01-01T00:00:00.000Z', settings: { maxFileBytes: 999 } };
    await expect(fitStep(run, deps)).rejects.toThrow('uploads/p/x.csv:1:1: file is 1000 bytes, over maxFileBytes 999');
    expect(ended).toBe(1);
    expect(read).toBe(0);
    expect(records.map((r) => r.status)).toEqual(['RUNNING']);
  });
});
