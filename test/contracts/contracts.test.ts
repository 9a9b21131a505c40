// The shared contracts: the POST /runs schema and the API Gateway model made from it, the handlers' environment, and
// the error classes' names and payloads.
import { describe, expect, it } from 'vitest';
import { parseHandlerEnv, parseLocalEnv } from '../../lambdas/contracts/env.ts';
import { ConfigError, InputError, RunAlreadyFinished, StoredDataError, VarstreamError } from '../../lambdas/contracts/errors.ts';
import { MAX_INLINE_CSV_BYTES, parseRunRequest, runRequestJsonSchema } from '../../lambdas/contracts/run-request.ts';
import { runRefSchema } from '../../lambdas/contracts/run.ts';
import { failInputSchema, parsePartialMessage, partialMessageSchema, reduceInputSchema, reduceRefSchema, stateFields } from '../../lambdas/contracts/steps.ts';

describe('POST /runs body', () => {
  it('accepts a key or a csv, with optional version and settings', () => {
    expect(parseRunRequest({ portfolioId: 'tech11', key: 'uploads/tech11/a.csv' })).toEqual({
      success: true,
      data: { portfolioId: 'tech11', key: 'uploads/tech11/a.csv' },
    });
    const inline = { portfolioId: 'p.1_x-y', csv: 'date,p\n', settings: { simulations: 10 } };
    expect(parseRunRequest(inline)).toEqual({ success: true, data: inline });
    expect(parseRunRequest({ portfolioId: 'p', key: 'uploads/p/a.csv', versionId: 'v1' }).success).toBe(true);
  });
  it('refuses with the message the API answers, naming the field: unknown keys, both or neither source, bad values', () => {
    const error = (body: unknown) => {
      const r = parseRunRequest(body);
      return r.success ? undefined : r.error;
    };
    const portfolioId = 'portfolioId is required: letters, digits, ".", "_", "-"';
    const key = 'key must be an object key under uploads/<portfolioId>/ (no empty, "." or ".." segments)';
    expect(error({ portfolioId: 'p', key: 'uploads/p/a.csv', simulatons: 1 })).toBe('unknown field "simulatons"');
    expect(error({ portfolioId: 'p', key: 'uploads/p/a.csv', csv: 'x' })).toBe('give exactly one of key or csv');
    expect(error({ portfolioId: 'p' })).toBe('give exactly one of key or csv');
    for (const bad of [undefined, '../p', '..', '.', 7]) expect(error({ portfolioId: bad, csv: 'x' })).toBe(portfolioId);
    expect(error({ portfolioId: 'p', key: 'config/p.json' })).toBe(key);
    expect(error({ portfolioId: 'p', key: 'uploads/p/a.csv', versionId: 3 })).toBe('versionId must be a string of at most 1024 characters');
    expect(error({ portfolioId: 'p', csv: 5 })).toBe('csv must be a string');
    expect(error({ portfolioId: 'p', csv: 'x'.repeat(MAX_INLINE_CSV_BYTES + 1) })).toBe('csv over 1048576 characters');
    for (const bad of [[1], null, 'x']) expect(error({ portfolioId: 'p', csv: 'x', settings: bad })).toBe('settings must be an object');
    for (const bad of [[], null, 5]) expect(error(bad)).toBe('body must be a JSON object');
  });
  it('becomes the draft-04 model API Gateway validates with', () => {
    expect(runRequestJsonSchema()).toEqual({
      $schema: 'http://json-schema.org/draft-04/schema#',
      title: 'RunRequest',
      type: 'object',
      required: ['portfolioId'],
      additionalProperties: false,
      properties: {
        portfolioId: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,128}$' },
        key: { type: 'string', maxLength: 1024, pattern: '^uploads\\/' },
        versionId: { type: 'string', maxLength: 1024 },
        csv: { type: 'string', maxLength: 1024 * 1024 },
        settings: { type: 'object', properties: {}, additionalProperties: {} },
      },
    });
  });
});

describe('handler environment', () => {
  const env = { VARSTREAM_BUCKET: 'b', VARSTREAM_TABLE: 't' };
  it('reads names, the portfolio list and the shard limit, with defaults', () => {
    expect(parseHandlerEnv(env)).toEqual({
      bucket: 'b',
      table: 't',
      stateMachineArn: undefined,
      idempotencyTable: undefined,
      portfolios: [],
      inlineShardLimit: 40,
    });
    expect(parseHandlerEnv({ ...env, VARSTREAM_PORTFOLIOS: ' a, b ,,c', VARSTREAM_INLINE_SHARD_LIMIT: '7', VARSTREAM_IDEMPOTENCY_TABLE: 'i' })).toMatchObject({
      portfolios: ['a', 'b', 'c'],
      inlineShardLimit: 7,
      idempotencyTable: 'i',
    });
    // an empty variable is unset
    expect(parseHandlerEnv({ ...env, VARSTREAM_INLINE_SHARD_LIMIT: '', VARSTREAM_STATE_MACHINE_ARN: '' })).toMatchObject({
      inlineShardLimit: 40,
      stateMachineArn: undefined,
    });
  });
  it('refuses a missing name or a bad number with a ConfigError naming the variable', () => {
    const thrown = (e: Record<string, string>) => {
      try {
        parseHandlerEnv(e);
      } catch (err) {
        return err as ConfigError;
      }
      throw new Error('expected a ConfigError');
    };
    const missing = thrown({ VARSTREAM_BUCKET: 'b', VARSTREAM_TABLE: '' });
    expect(missing).toBeInstanceOf(ConfigError);
    expect([missing.name, missing.payload.variable, missing.message]).toEqual([
      'ConfigError',
      'VARSTREAM_TABLE',
      'environment variable VARSTREAM_TABLE is not set',
    ]);
    const bad = thrown({ ...env, VARSTREAM_INLINE_SHARD_LIMIT: '2.5' });
    expect([bad.payload.variable, bad.message]).toEqual(['VARSTREAM_INLINE_SHARD_LIMIT', 'VARSTREAM_INLINE_SHARD_LIMIT must be a positive integer, got "2.5"']);
  });
});

describe('local stack environment', () => {
  it('reads every variable, with the defaults of `npm start`; empty means unset, but an empty portfolio list is a list', () => {
    expect(parseLocalEnv({})).toEqual({
      dataDir: '.varstream',
      bucket: 'varstream-local',
      table: 'varstream-runs',
      apiPort: 3000,
      s3Port: 4569,
      dynamodbPort: 4567,
      workers: undefined,
      runTimeoutMs: undefined,
      portfolios: undefined,
      logLevel: undefined,
    });
    const env = {
      VARSTREAM_DATA_DIR: '/tmp/v',
      VARSTREAM_TABLE: 't',
      VARSTREAM_API_PORT: '0',
      VARSTREAM_S3_PORT: '65535',
      VARSTREAM_DYNAMODB_PORT: '',
      VARSTREAM_WORKERS: '3',
      VARSTREAM_RUN_TIMEOUT_MS: '60000',
      VARSTREAM_PORTFOLIOS: '',
      VARSTREAM_LOG_LEVEL: 'DEBUG',
    };
    expect(parseLocalEnv(env)).toMatchObject({
      dataDir: '/tmp/v',
      table: 't',
      apiPort: 0,
      s3Port: 65535,
      dynamodbPort: 4567,
      workers: 3,
      runTimeoutMs: 60_000,
      portfolios: [],
      logLevel: 'DEBUG',
    });
  });
  it.each([
    ['VARSTREAM_API_PORT', '65536', 'VARSTREAM_API_PORT=65536: expected a port number (0 = any free port)'],
    ['VARSTREAM_S3_PORT', 'http', 'VARSTREAM_S3_PORT=http: expected a port number (0 = any free port)'],
    ['VARSTREAM_DYNAMODB_PORT', '-1', 'VARSTREAM_DYNAMODB_PORT=-1: expected a port number (0 = any free port)'],
    ['VARSTREAM_WORKERS', '0', 'VARSTREAM_WORKERS=0: expected an integer ≥ 1'],
    ['VARSTREAM_RUN_TIMEOUT_MS', '1.5', 'VARSTREAM_RUN_TIMEOUT_MS=1.5: expected a number of milliseconds ≥ 1'],
  ])('%s=%s is a ConfigError naming it', (variable, value, message) => {
    let error: unknown;
    try {
      parseLocalEnv({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect([(error as ConfigError).payload.variable, (error as ConfigError).message]).toEqual([variable, message]);
  });
});

describe('errors', () => {
  it('each has a literal name, a typed payload and a chained cause', () => {
    const cause = new Error('socket hang up');
    const input = new InputError('a.csv', 3, 7, 'not a number: "x"', { cause });
    expect([input.name, input.message, input.file, input.line, input.column, input.detail, input.cause]).toEqual([
      'InputError',
      'a.csv:3:7: not a number: "x"',
      'a.csv',
      3,
      7,
      'not a number: "x"',
      cause,
    ]);
    expect(input.payload).toEqual({ file: 'a.csv', line: 3, column: 7, detail: 'not a number: "x"' });
    const stored = new StoredDataError('partials/r/0.bin', 'partial: truncated header');
    const finished = new RunAlreadyFinished('r1', 'SUCCEEDED');
    expect([stored.name, stored.payload, finished.name, finished.message, finished.payload]).toEqual([
      'StoredDataError',
      { key: 'partials/r/0.bin' },
      'RunAlreadyFinished',
      'run r1 is already SUCCEEDED',
      { runId: 'r1', status: 'SUCCEEDED' },
    ]);
    for (const e of [input, stored, finished, new ConfigError('V', 'm')]) {
      expect(e).toBeInstanceOf(VarstreamError);
      expect(e).toBeInstanceOf(Error);
      expect(String(e)).toBe(`${e.name}: ${e.message}`);
    }
  });
});

describe('step payloads', () => {
  it('the state machine selects exactly the fields of each schema, RunRef first', () => {
    const run = { 'runId.$': '$.runId', 'portfolioId.$': '$.portfolioId', 'input.$': '$.input', 'createdAt.$': '$.createdAt' };
    expect(stateFields(runRefSchema)).toEqual(run);
    expect(Object.keys(stateFields(reduceRefSchema))).toEqual([...Object.keys(run), 'shardCount.$', 'contextKey.$']);
    expect(stateFields(failInputSchema)).toEqual({ ...run, 'error.$': '$.error' });
  });
  it('Fail needs only the runId and the error; Reduce the whole identity', () => {
    expect(failInputSchema.safeParse({ runId: 'r', error: { Error: 'E' } }).success).toBe(true);
    expect(failInputSchema.safeParse({ error: {} }).success).toBe(false);
    const ref = {
      runId: 'r',
      portfolioId: 'p',
      input: { bucket: 'b', key: 'k' },
      createdAt: '2024-05-01T00:00:00Z',
      shardCount: 2,
      contextKey: 'partials/r/context.json',
    };
    expect(reduceInputSchema.safeParse(ref).success).toBe(true);
    expect(reduceInputSchema.safeParse({ ...ref, input: { key: 'k' } }).success).toBe(false);
    expect(reduceInputSchema.safeParse({ ...ref, shardCount: 0 }).success).toBe(false);
  });
});

describe('partial messages: samples inline or a ref, never both', () => {
  const head = { shard: 1, start: 10, end: 20, count: 10, sum: 0.5, sumSquares: 0.1, bracketSizes: [2] };
  it('accepts either form, keeping the fields it does not check', () => {
    expect(parsePartialMessage({ ...head, values: [-0.1, -0.05], indices: [12, 17] })).toEqual({ success: true });
    expect(parsePartialMessage({ ...head, ref: 's3://b/partials/r/1.bin' })).toEqual({ success: true });
    expect(parsePartialMessage(head)).toEqual({ success: true });
    expect(partialMessageSchema.parse({ ...head, ref: 'x' })).toEqual({ ...head, ref: 'x' });
  });
  it('refuses both, or a message without its range, naming the field', () => {
    const both = parsePartialMessage({ ...head, ref: 's3://b/partials/r/1.bin', values: [-0.1] });
    expect(both.success).toBe(false);
    expect(both.success || both.error).toMatch(/^(ref|values): /);
    expect(parsePartialMessage({ ...head, end: undefined })).toEqual({ success: false, error: expect.stringMatching(/^end: /) });
    expect(parsePartialMessage({ ...head, indices: [1.5] })).toEqual({ success: false, error: expect.stringMatching(/^indices\.0: /) });
  });
});
