import { describe, expect, it } from 'vitest';
import { depsFromEnv } from '../../lambdas/handlers/deps.ts';

describe('settings from the environment', () => {
  const env = { VARSTREAM_BUCKET: 'b', VARSTREAM_TABLE: 't', AWS_REGION: 'us-east-1' };
  it('defaults the inline shard limit and reads a valid one', () => {
    expect(depsFromEnv({ ...env }).inlineShardLimit).toBe(40);
    expect(depsFromEnv({ ...env, VARSTREAM_INLINE_SHARD_LIMIT: '12' }).inlineShardLimit).toBe(12);
  });
  it('refuses a limit that would silently disable it', () => {
    for (const bad of ['forty', '0', '2.5']) {
      expect(() => depsFromEnv({ ...env, VARSTREAM_INLINE_SHARD_LIMIT: bad })).toThrow(/VARSTREAM_INLINE_SHARD_LIMIT must be a positive integer/);
    }
  });
});
