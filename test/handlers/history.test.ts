// Reduce and the history page against s3rver + dynalite: two runs of one portfolio leave two entries and one page; a
// history page that cannot be written is logged and the run is still SUCCEEDED with its report.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from '@aws-lambda-powertools/logger';
import { makeDocumentClient, makeS3Client } from '../../lambdas/adapters/clients.ts';
import { S3ObjectStore } from '../../lambdas/adapters/object-store.ts';
import { DynamoRunStore } from '../../lambdas/adapters/run-store.ts';
import { historyEntryKey, historyPageKey } from '../../lambdas/contracts/keys.ts';
import type { RunInput } from '../../lambdas/contracts/steps.ts';
import type { Deps } from '../../lambdas/handlers/deps.ts';
import type { HistoryEntry } from '../../lambdas/report/history-entry.ts';
import { createRunTables, executeInProcess } from '../support/in-process.ts';
import { startLocalAws, type LocalAws } from '../support/local-aws.ts';

const BUCKET = 'varstream-history';
const TABLE = 'varstream-runs-history';
const LINES = readFileSync(new URL('../../data/tech11.csv', import.meta.url), 'utf-8').trim().split('\n');
const upTo = (date: string) => [LINES[0], ...LINES.slice(1).filter((l) => l.slice(0, 10) <= date)].join('\n') + '\n';

/** An object store whose writes of history pages fail (a full disk, a denied prefix): everything else works. */
class NoPages extends S3ObjectStore {
  override async putText(bucket: string, key: string, text: string, contentType?: string) {
    if (key.endsWith('/index.html')) throw new Error(`denied: ${key}`);
    return super.putText(bucket, key, text, contentType);
  }
}

let aws: LocalAws;
const warnings: string[] = [];

function makeDeps(objects: S3ObjectStore): Deps {
  const logger = new Logger({ logLevel: 'SILENT' });
  logger.warn = ((msg: string) => void warnings.push(msg)) as Logger['warn'];
  return {
    bucket: BUCKET,
    objects,
    runs: new DynamoRunStore(TABLE, makeDocumentClient(), objects),
    start: async () => ({ started: true }),
    portfolios: [],
    inlineShardLimit: 40,
    logger,
  };
}

async function run(deps: Deps, runId: string, key: string, createdAt: string) {
  await deps.objects.putText(BUCKET, key, upTo(key.slice(-14, -4)), 'text/csv');
  const input: RunInput = { runId, portfolioId: 'hist', input: { bucket: BUCKET, key }, createdAt, origin: 'api' };
  return executeInProcess(deps, input);
}

beforeAll(async () => {
  aws = await startLocalAws({ buckets: [BUCKET] });
  await createRunTables(TABLE);
  await new S3ObjectStore(BUCKET, makeS3Client()).putText(BUCKET, 'config/hist.json', JSON.stringify({ start: '2023-06-01', simulations: 2000 }), 'application/json');
});
afterAll(async () => aws?.stop());

describe('Reduce writes the history', () => {
  it('an entry per run with the window’s last returns, and one page with both runs', async () => {
    const deps = makeDeps(new S3ObjectStore(BUCKET, makeS3Client()));
    const a = await run(deps, 'hist-a', 'uploads/hist/2024-02-29.csv', '2024-02-29T22:00:00.000Z');
    const b = await run(deps, 'hist-b', 'uploads/hist/2024-03-28.csv', '2024-03-28T22:00:00.000Z');
    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const entry = (await deps.objects.getJson<HistoryEntry>(BUCKET, historyEntryKey('hist', 'hist-b')))!;
    expect(entry.risk['0.99'].var).toBe(b.risk!['0.99'].var);
    expect(entry.returns.dates.at(-1)).toBe('2024-03-28');
    expect(entry.returns.dates.length).toBe(b.observations);
    expect(entry.returns.values.at(-1)).toBe(Number(LINES.find((l) => l.startsWith('2024-03-28'))!.split(',')[1]));
    const page = (await deps.objects.getText(BUCKET, historyPageKey('hist')))!;
    expect(page).toContain('Portfolio <span id="portfolio-id">hist</span> · 2 runs');
    expect(page).toContain('href="../hist-a.html"');
    expect(page).toContain('href="../hist-b.html"');
    // the second report compares with the first
    const report = (await deps.objects.getText(BUCKET, b.reportKey!))!;
    expect(report).toContain('Change against the previous run hist-a');
  });

  it('a history page that cannot be written is logged; the run is SUCCEEDED with its report', async () => {
    const deps = makeDeps(new NoPages(BUCKET, makeS3Client()));
    const c = await run(deps, 'hist-c', 'uploads/hist/2024-04-30.csv', '2024-04-30T22:00:00.000Z');
    expect(c.status).toBe('SUCCEEDED');
    expect(c.reportKey).toBe('reports/hist-c.html');
    expect(warnings).toContain('history not written');
    // the page still shows the two runs before
    expect(await deps.objects.getText(BUCKET, historyPageKey('hist'))).toContain('· 2 runs');
  });
});
