// The run setting `backtest: {days, models}` through the AWS side (s3rver + dynalite): the run JSON carries the model
// comparison, identical to the engine's direct computation, and the report carries its table and charts.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeDocumentClient, makeDynamoClient, makeS3Client } from '../../lambdas/adapters/clients.ts';
import { S3ObjectStore } from '../../lambdas/adapters/object-store.ts';
import { DynamoRunStore } from '../../lambdas/adapters/run-store.ts';
import { makeIdempotencyStore } from '../../lambdas/adapters/idempotency.ts';
import { runBacktestSetting } from '../../lambdas/engine/backtest/models.ts';
import { route } from '../../lambdas/handlers/api.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import type { RunInput } from '../../lambdas/contracts/steps.ts';
import type { Deps } from '../../lambdas/handlers/deps.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import { createRunTables, executeInProcess } from '../support/in-process.ts';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'varstream-backtest-setting';
const TABLE = 'varstream-runs-backtest-setting';
const CSV = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8');
const SETTINGS = { start: '2023-01-03', end: '2025-09-25', simulations: 2000, backtest: { days: 250, models: ['normal', 'ewma', 'fhs'] } };

let aws: LocalAws;
let deps: Deps;

beforeAll(async () => {
  aws = await startLocalAws({ buckets: [BUCKET] });
  await createRunTables(TABLE, { idempotency: true });
  const objects = new S3ObjectStore(BUCKET, makeS3Client());
  deps = {
    bucket: BUCKET,
    objects,
    runs: new DynamoRunStore(TABLE, makeDocumentClient(), objects),
    start: async () => ({ started: true }),
    portfolios: ['tech'],
    inlineShardLimit: 40,
    logger: new Logger({ logLevel: 'SILENT' }),
    idempotency: makeIdempotencyStore(`${TABLE}-idempotency`, makeDynamoClient()),
  };
  await objects.putText(BUCKET, 'uploads/tech/2025-09.csv', CSV, 'text/csv');
});
afterAll(async () => aws?.stop());

describe('run setting backtest', () => {
  it('the run JSON carries the comparison of the window’s last 250 days and the report shows it', async () => {
    const input: RunInput = { runId: 'bt-1', portfolioId: 'tech', input: { bucket: BUCKET, key: 'uploads/tech/2025-09.csv' }, createdAt: '2025-09-26T00:00:00.000Z', settings: SETTINGS };
    const record = await executeInProcess(deps, input);
    expect(record.status).toBe('SUCCEEDED');
    const bt = record.backtest!;
    expect(Object.keys(bt.models)).toEqual(['normal', 'ewma', 'fhs']);
    expect(bt.outOfSample).toMatchObject({ end: '2025-09-25', observations: 250 });
    expect(bt.inSample!.start).toBe('2023-01-03');
    expect(bt.inSample!.end < bt.outOfSample.start).toBe(true);
    // the same numbers as the engine given the whole file
    const settings = parseSettings(SETTINGS);
    const direct = runBacktestSetting(await readReturns([CSV], 'tech11.csv', { ...settings, start: undefined }), settings)!;
    expect(bt.models.fhs.series.map((d) => d.var['0.99'])).toEqual(direct.models.fhs.series.map((d) => d.var['0.99']));
    expect(bt.ranking).toEqual(direct.ranking);
    const html = await deps.objects.getText(BUCKET, record.reportKey!);
    expect(html).toContain('id="model-comparison"');
    for (const m of ['normal', 'ewma', 'fhs']) expect(html).toContain(`id="chart-compare-${m}"`);
  });

  it('refuses bad backtest settings naming the key, in the API (400) as in the schema', async () => {
    const post = (settings: unknown) =>
      route({ method: 'POST', path: '/runs', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ portfolioId: 'tech', key: 'uploads/tech/2025-09.csv', settings }) }, deps);
    const res = await post({ backtest: { days: 250, models: ['normal', 'garch'] } });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/backtest\.models\.1/);
    expect(() => parseSettings({ backtest: { days: 250, models: ['normal', 'garch'] } })).toThrow(/backtest\.models\.1/);
    expect(() => parseSettings({ backtest: { days: 5, models: ['normal'] } })).toThrow(/backtest\.days/);
    expect(() => parseSettings({ backtest: { models: [] } })).toThrow(/backtest\.models/);
    const settings = parseSettings({ ...SETTINGS, start: '2025-01-02', backtest: { days: 200, models: ['normal'] } });
    const data = await readReturns([CSV], 'tech11.csv', { ...settings, start: undefined });
    expect(() => runBacktestSetting(data, settings)).toThrow(InputError);
    expect(() => runBacktestSetting(data, settings)).toThrow(/setting "backtest\.days": 200 tested days leave \d+ days/);
  });
});
