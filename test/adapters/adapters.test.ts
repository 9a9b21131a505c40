// The adapters against real s3rver and dynalite (no mocks): streaming, JSON round trip to the last digit,
// conditional writes that make a duplicate event one run and never regress a finished run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { createServer } from 'node:http';
import { RETRY, makeDocumentClient, makeDynamoClient, makeS3Client, makeSfnClient } from '../../lambdas/adapters/clients.ts';
import { S3ObjectStore, parseS3Ref } from '../../lambdas/adapters/object-store.ts';
import { DynamoRunStore, createRunsTableInput } from '../../lambdas/adapters/run-store.ts';
import { portfolioIdFromKey, uploadRunId, isPortfolioId, isSafeObjectKey } from '../../lambdas/contracts/run-ids.ts';
import { InputError, type RunRecord, type RunResult } from '../../lambdas/engine/types.ts';
import { StoredDataError } from '../../lambdas/contracts/errors.ts';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'varstream-test';
const TABLE = 'varstream-runs-test';
let aws: LocalAws;
let objects: S3ObjectStore;
let runs: DynamoRunStore;
let bigRuns: DynamoRunStore;

beforeAll(async () => {
  aws = await startLocalAws({ buckets: [BUCKET] });
  await makeDynamoClient().send(new CreateTableCommand(createRunsTableInput(TABLE)));
  objects = new S3ObjectStore(BUCKET, makeS3Client());
  runs = new DynamoRunStore(TABLE, makeDocumentClient());
  bigRuns = new DynamoRunStore(TABLE, makeDocumentClient(), objects);
});
afterAll(async () => aws?.stop());

function record(runId: string, portfolioId = 'p1', createdAt = '2024-05-01T00:00:00.000Z'): RunRecord {
  return { runId, portfolioId, status: 'RUNNING', createdAt, input: { bucket: BUCKET, key: `uploads/${portfolioId}/a.csv` }, settings: { simulations: 1e4, seed: 7 } };
}

// Doubles whose decimal text needs all 17 digits, and magnitudes DynamoDB numbers cannot hold.
const awkward = [0.1 + 0.2, -0.023456789012345678, 1e-300, 5e-324, 2 ** 53 - 1, -1.7976931348623157e308];
function fakeResult(extra = 0): RunResult {
  return {
    risk: {
      '0.99': { quantile: -0.0312345678901234567, var: 0.0312345678901234567, es: 0.0398765432109876543, analyticVar: 0.031, analyticEs: 0.039, standardError: 1e-4, ci95: [0.0311, 0.0313] },
      '0.95': { quantile: -0.02, var: 0.02, es: 0.025, analyticVar: 0.02, analyticEs: 0.025, standardError: 1e-4, ci95: [0.019, 0.021] },
    },
    simulation: { simulations: 10000, shards: 2, seed: 1, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1 },
    model: { factors: ['SPY'], beta: awkward, alpha: 0, residualVariance: 1e-5, mu: [1e-4], cov: [[1e-4]] },
    padding: 'x'.repeat(extra),
  } as unknown as RunResult;
}

describe('S3ObjectStore', () => {
  it('puts and gets binary exactly and returns an s3:// reference', async () => {
    const bytes = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
    const ref = await objects.put('partials/r1/0.bin', bytes);
    expect(ref).toBe(`s3://${BUCKET}/partials/r1/0.bin`);
    expect(parseS3Ref(ref, 'other')).toEqual({ bucket: BUCKET, key: 'partials/r1/0.bin' });
    expect(Buffer.from(await objects.get(ref)).equals(Buffer.from(bytes))).toBe(true);
    // a bare key resolves in the store's own bucket
    expect((await objects.get('partials/r1/0.bin')).length).toBe(70_000);
  });

  it('streams an object in chunks and reports its size and etag', async () => {
    const line = 'date,portfolio,SPY\n';
    const text = line + '2024-01-02,0.01,0.02\n'.repeat(50_000);
    await objects.putText(BUCKET, 'uploads/p1/big.csv', text, 'text/csv');
    const o = await objects.openObject(BUCKET, 'uploads/p1/big.csv');
    expect(o.size).toBe(Buffer.byteLength(text));
    expect(o.etag).toMatch(/^[0-9a-f]{32}$/);
    let total = 0;
    let chunks = 0;
    for await (const c of o.body) (total += c.byteLength, chunks++);
    expect(total).toBe(o.size);
    expect(chunks).toBeGreaterThan(1);
  });

  it('a missing upload is an InputError naming the object; a missing config is undefined', async () => {
    await expect(objects.openObject(BUCKET, 'uploads/p1/none.csv')).rejects.toThrow(InputError);
    await expect(objects.openObject(BUCKET, 'uploads/p1/none.csv')).rejects.toThrow(`s3://${BUCKET}/uploads/p1/none.csv:1:1: no such object`);
    expect(await objects.getJson(BUCKET, 'config/none.json')).toBeUndefined();
    await objects.putText(BUCKET, 'config/p1.json', '{"simulations": 20000}', 'application/json');
    expect(await objects.getJson(BUCKET, 'config/p1.json')).toEqual({ simulations: 20000 });
    expect(await objects.head(BUCKET, 'config/p1.json')).toMatchObject({ size: 22 });
    expect(await objects.head(BUCKET, 'config/none.json')).toBeUndefined();
  });
});

describe('run ids', () => {
  it('the same object identity gives the same 32-hex id; any other version a new one', () => {
    const a = uploadRunId({ bucket: 'b', key: 'uploads/p/x.csv', versionId: 'v1' });
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(uploadRunId({ bucket: 'b', key: 'uploads/p/x.csv', versionId: 'v1' })).toBe(a);
    expect(uploadRunId({ bucket: 'b', key: 'uploads/p/x.csv', versionId: 'v2' })).not.toBe(a);
    expect(uploadRunId({ bucket: 'b', key: 'uploads/p/y.csv', versionId: 'v1' })).not.toBe(a);
    expect(uploadRunId({ bucket: 'b', key: 'uploads/p/x.csv', sequencer: 'v1' })).toBe(a);
  });
  it('portfolio id comes from uploads/<portfolioId>/…csv only', () => {
    expect(portfolioIdFromKey('uploads/fund-A_1/2024/q1.csv')).toBe('fund-A_1');
    expect(portfolioIdFromKey('uploads/fund/x.CSV')).toBe('fund');
    expect(portfolioIdFromKey('uploads/x.csv')).toBeUndefined();
    expect(portfolioIdFromKey('partials/p/x.csv')).toBeUndefined();
    expect(portfolioIdFromKey('uploads/p/x.txt')).toBeUndefined();
    // dot segments never name a portfolio or reach a key (S3 keeps them literally, a path-style proxy may resolve them)
    expect(portfolioIdFromKey('uploads/../x.csv')).toBeUndefined();
    expect(portfolioIdFromKey('uploads/./x.csv')).toBeUndefined();
    expect(portfolioIdFromKey('uploads/p/../../config/x.csv')).toBeUndefined();
    expect(portfolioIdFromKey('uploads/p//x.csv')).toBeUndefined();
    expect(isSafeObjectKey('uploads/p/2024/x.csv')).toBe(true);
    expect(isSafeObjectKey('uploads/p/..')).toBe(false);
    expect(isSafeObjectKey('/uploads/p/x.csv')).toBe(false);
    expect(isPortfolioId('a.b-c_d')).toBe(true);
    expect(isPortfolioId('..')).toBe(false);
    expect(isPortfolioId('a/b')).toBe(false);
  });
});

describe('DynamoRunStore', () => {
  it('create is conditional: the same runId never makes two runs', async () => {
    const first = await runs.create(record('dup-1'));
    expect(first.created).toBe(true);
    const again = await runs.create({ ...record('dup-1'), createdAt: '2030-01-01T00:00:00.000Z', settings: { simulations: 5 } });
    expect(again.created).toBe(false);
    expect(again.record.createdAt).toBe('2024-05-01T00:00:00.000Z');
    expect(again.record.settings).toEqual({ simulations: 1e4, seed: 7 });
  });

  it('succeed stores the result to the last digit, once, and never regresses', async () => {
    await runs.create(record('ok-1'));
    const result = fakeResult();
    expect(await runs.succeed('ok-1', result, { reportKey: 'reports/ok-1.html' })).toBe(true);
    const got = (await runs.get('ok-1'))!;
    expect(got.status).toBe('SUCCEEDED');
    expect(got.model!.beta).toEqual(awkward);
    expect(Object.is(got.model!.beta[1], awkward[1])).toBe(true);
    expect(got.risk!['0.99'].var).toBe(0.0312345678901234567);
    expect(got.reportKey).toBe('reports/ok-1.html');
    expect(got.finishedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // a second reducer run and a late Fail both find the run terminal
    expect(await runs.succeed('ok-1', fakeResult(10))).toBe(false);
    expect(await runs.fail('ok-1', 'late failure')).toBe(false);
    const again = (await runs.get('ok-1'))!;
    expect(again.status).toBe('SUCCEEDED');
    expect(again.error).toBeUndefined();
    expect((again as unknown as { padding: string }).padding).toBe('');
  });

  it('fail writes FAILED with the message; with a seed it creates a run that never got to RUNNING', async () => {
    await runs.create(record('bad-1'));
    expect(await runs.fail('bad-1', 'a.csv:3:2: not a number')).toBe(true);
    expect(await runs.get('bad-1')).toMatchObject({ status: 'FAILED', error: 'a.csv:3:2: not a number', portfolioId: 'p1' });
    expect(await runs.succeed('bad-1', fakeResult())).toBe(false);
    expect((await runs.get('bad-1'))!.status).toBe('FAILED');

    expect(await runs.fail('ghost', 'x')).toBe(false);
    expect(await runs.get('ghost')).toBeUndefined();
    const seed = { portfolioId: 'p9', input: { bucket: BUCKET, key: 'uploads/p9/a.csv' }, createdAt: '2024-06-01T00:00:00.000Z' };
    expect(await runs.fail('early', 'a.csv:1:1: empty file', seed)).toBe(true);
    expect(await runs.get('early')).toMatchObject({ status: 'FAILED', portfolioId: 'p9', createdAt: seed.createdAt, input: seed.input });
    expect(await runs.fail('early', 'second', seed)).toBe(false);
  });

  it('a result too large for its item goes to the overflow store; without one it is refused', async () => {
    await runs.create(record('big-1'));
    await expect(runs.succeed('big-1', fakeResult(500_000))).rejects.toThrow(/run big-1: result is \d+ bytes, over the item's 307200; configure an overflow store/);
    expect(await runs.get('big-1')).toMatchObject({ status: 'RUNNING' });

    await bigRuns.create(record('big-2'));
    const noisy = Array.from({ length: 60_000 }, (_, i) => Math.sin(i * 12.9898) * 43758.5453).join(',');
    expect(await bigRuns.succeed('big-2', { ...fakeResult(), padding: noisy } as unknown as RunResult)).toBe(true);
    expect(((await bigRuns.get('big-2')) as unknown as { padding: string }).padding).toBe(noisy);
    expect(await objects.head(BUCKET, 'results/big-2.json')).toBeDefined();
  });

  it('an item read back holds its result inline or by reference, never both: otherwise a StoredDataError', async () => {
    const item = { runId: 'both-1', portfolioId: 'p1', status: 'SUCCEEDED', createdAt: '2024-05-01T00:00:00.000Z', input: { bucket: BUCKET, key: 'uploads/p1/a.csv' } };
    await makeDocumentClient().send(new PutCommand({ TableName: TABLE, Item: { ...item, result: '{}', resultRef: `s3://${BUCKET}/results/both-1.json` } }));
    const both = runs.get('both-1');
    await expect(both).rejects.toThrow(StoredDataError);
    await expect(both).rejects.toThrow(/^run both-1: stored item: /);
    await makeDocumentClient().send(new PutCommand({ TableName: TABLE, Item: { ...item, runId: 'both-2', status: 'DONE' } }));
    await expect(runs.get('both-2')).rejects.toThrow(/^run both-2: stored item: status: /);
    await makeDocumentClient().send(new PutCommand({ TableName: TABLE, Item: { ...item, runId: 'both-3', result: '{"portfolio":"p1"}' } }));
    expect(await runs.get('both-3')).toMatchObject({ runId: 'both-3', status: 'SUCCEEDED', portfolio: 'p1' });
  });

  it('listByPortfolio returns summaries newest first, limited', async () => {
    for (const [i, t] of ['2024-01-03', '2024-01-01', '2024-01-02'].entries()) await runs.create(record(`list-${i}`, 'plist', `${t}T00:00:00.000Z`));
    await runs.succeed('list-0', fakeResult());
    const list = await runs.listByPortfolio('plist', 2);
    expect(list.map((r) => r.runId)).toEqual(['list-0', 'list-2']);
    expect(list[0]).toMatchObject({ status: 'SUCCEEDED', var99: 0.0312345678901234567, es99: 0.0398765432109876543, simulations: 10000 });
    expect(list[0]).not.toHaveProperty('result');
    expect((await runs.listByPortfolio('plist', 10)).length).toBe(3);
    expect(await runs.listByPortfolio('nobody')).toEqual([]);
  });
});

describe('client retries', () => {
  it('every factory sets maxAttempts 5 and adaptive retries; AWS_MAX_ATTEMPTS overrides', async () => {
    const env = { AWS_REGION: 'us-east-1' };
    for (const c of [makeS3Client(env), makeDynamoClient(env), makeSfnClient(env)]) {
      expect(await c.config.maxAttempts()).toBe(RETRY.maxAttempts);
      expect(((await c.config.retryStrategy()) as { mode?: string }).mode).toBe('adaptive');
      c.destroy();
    }
    expect(RETRY.maxAttempts).toBe(5);
    const c = makeDynamoClient({ ...env, AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'standard' });
    expect(await c.config.maxAttempts()).toBe(2);
    expect(((await c.config.retryStrategy()) as { mode?: string }).mode).toBe('standard');
    c.destroy();
  });

  it('a transient 503 from S3 is retried with backoff until it succeeds', async () => {
    // a stand-in S3 that is "slow down" twice, then answers HeadObject
    let calls = 0;
    const server = createServer((_req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
      }
      res.writeHead(200, { 'content-length': '42', etag: '"abc"' });
      res.end();
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', () => ok()));
    const port = (server.address() as { port: number }).port;
    const client = makeS3Client({ AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` });
    try {
      const head = await new S3ObjectStore('b', client).head('b', 'k');
      expect(head).toMatchObject({ size: 42, etag: 'abc' });
      expect(calls).toBe(3);
    } finally {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    }
  });
});
