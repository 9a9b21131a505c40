// Faults on a running local stack: a report folder that cannot be written (the run still SUCCEEDS, without a report),
// two PUTs to one key back to back (no run reports the other file's numbers), an upload outside the layout (SKIPPED).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import { OBJECT_CHANGED } from '../../lambdas/adapters/object-store.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';
import { scaledCsv } from '../../scripts/load.ts';

let dataDir: string;
let stack: LocalStack;
let s3: ReturnType<typeof makeS3Client>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'varstream-faults-'));
  stack = await startLocalStack({ dataDir, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, logLevel: 'SILENT' });
  s3 = makeS3Client(stack.env);
});
afterAll(async () => {
  s3?.destroy();
  await stack?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const put = async (key: string, body: string) => (await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: body }))).ETag!;

describe('faults on a running stack', () => {
  it('a report that cannot be written is logged; the run still SUCCEEDS, without reportKey', async () => {
    // a file where the reports/ folder would go: every report write fails (ENOTDIR), also for root
    await writeFile(join(dataDir, 's3', stack.bucket, 'reports'), 'in the way');
    try {
      await put('config/noreport.json', JSON.stringify({ simulations: 2000 }));
      const runId = stack.uploadRunId('uploads/noreport/a.csv', await put('uploads/noreport/a.csv', scaledCsv(1)));
      const run = await stack.waitForRun(runId, 60_000);
      expect(run.status).toBe('SUCCEEDED');
      expect(run.reportKey).toBeUndefined();
      expect(run.risk!['0.99'].var).toBeGreaterThan(0);
    } finally {
      await rm(join(dataDir, 's3', stack.bucket, 'reports'));
    }
  });

  it('two PUTs to one key back to back: each run reports its own file or FAILS "the object changed", never the other numbers', async () => {
    await put('config/race.json', JSON.stringify({ simulations: 2000 }));
    const key = 'uploads/race/same.csv';
    // B is A with the portfolio column doubled: OLS and the simulation are linear in it, so VaR(B) = 2·VaR(A)
    const [etagA, etagB] = [await put(key, scaledCsv(1)), await put(key, scaledCsv(2))];
    const [a, b] = await Promise.all([stack.waitForRun(stack.uploadRunId(key, etagA), 60_000), stack.waitForRun(stack.uploadRunId(key, etagB), 60_000)]);
    expect(b.status).toBe('SUCCEEDED');
    if (a.status === 'FAILED') expect(a.error).toBe(`s3://${stack.bucket}/${key}:1:1: ${OBJECT_CHANGED}`);
    else {
      expect(a.status).toBe('SUCCEEDED');
      expect(b.risk!['0.99'].var / a.risk!['0.99'].var).toBeCloseTo(2, 9);
    }
    // a control run of A alone fixes VaR(A): B's number is exactly twice it
    const control = stack.uploadRunId('uploads/race/control.csv', await put('uploads/race/control.csv', scaledCsv(1)));
    const c = await stack.waitForRun(control, 60_000);
    expect(b.risk!['0.99'].var / c.risk!['0.99'].var).toBeCloseTo(2, 9);
  });

  it('an upload outside uploads/<portfolioId>/<name>.csv is a SKIPPED record with the reason', async () => {
    const key = 'uploads/my portfolio/a.csv';
    const runId = stack.uploadRunId(key, await put(key, scaledCsv(1)));
    const run = await stack.waitForRun(runId, 30_000);
    expect(run).toMatchObject({ status: 'SKIPPED', portfolioId: '_ignored', input: { key } });
    expect(run.error).toMatch(/^ignored upload uploads\/my portfolio\/a\.csv: expected uploads\/<portfolioId>\/<name>\.csv/);
  });
});
