// Crash recovery: what a `kill -9` leaves (RUNNING records, execution files still RUNNING) is settled when the next
// stack starts on the same data: an execution before its persisted deadline runs again to SUCCEEDED; one past it, and a
// RUNNING record with no execution at all, end FAILED "interrupted (stack stopped during the run)"; one that had ended
// but whose FAILED write never landed (a full disk) ends FAILED with its own error. An interrupted
// upload runs again through POST /runs {key} (a fresh runId). The real kill -9 drill is `npm run faults`.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeDocumentClient, makeS3Client } from '../../lambdas/adapters/clients.ts';
import { DynamoRunStore } from '../../lambdas/adapters/run-store.ts';
import type { RunInput } from '../../lambdas/contracts/steps.ts';
import type { ExecutionState } from '../../lambdas/local/execution-state.ts';
import { INTERRUPTED } from '../../lambdas/local/recovery.ts';
import { startLocalStack, type LocalStack } from '../../lambdas/local/stack.ts';
import { scaledCsv } from '../../scripts/load.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const options = (dataDir: string) => ({ dataDir, apiPort: 0, s3Port: 0, dynamodbPort: 0, workers: 1, scheduleCron: null, logLevel: 'SILENT' });

describe('start-up after a crash', () => {
  it('resumes an execution before its deadline, fails the rest "interrupted", and POST /runs {key} runs the upload again', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'varstream-recovery-'));
    dirs.push(dataDir);
    // what a killed stack leaves behind, written through a first stack's servers
    let first: LocalStack | undefined = await startLocalStack(options(dataDir));
    const now = Date.now();
    const run = (runId: string): RunInput => ({ runId, portfolioId: 'rec', input: { bucket: first!.bucket, key: 'inline/rec/a.csv' }, createdAt: new Date(now).toISOString(), origin: 'api' });
    try {
      const s3 = makeS3Client(first.env);
      await s3.send(new PutObjectCommand({ Bucket: first.bucket, Key: 'config/rec.json', Body: JSON.stringify({ simulations: 2000 }) }));
      await s3.send(new PutObjectCommand({ Bucket: first.bucket, Key: 'inline/rec/a.csv', Body: scaledCsv(1) }));
      s3.destroy();
      const runs = new DynamoRunStore(first.table, makeDocumentClient(first.env));
      for (const id of ['resume-me', 'past-deadline', 'no-execution', 'ended-unrecorded']) {
        const { runId, portfolioId, input, createdAt } = run(id);
        await runs.create({ runId, portfolioId, status: 'RUNNING', createdAt, input });
      }
      runs.client.destroy();
    } finally {
      await first.stop();
    }
    const executions = join(dataDir, 'executions');
    await mkdir(executions, { recursive: true });
    const state = (runId: string, deadline: number): ExecutionState => ({ runId, input: run(runId), status: 'RUNNING', startDate: now, deadline, history: [] });
    await writeFile(join(executions, 'resume-me.json'), JSON.stringify(state('resume-me', now + 120_000)));
    await writeFile(join(executions, 'past-deadline.json'), JSON.stringify(state('past-deadline', now - 1)));
    // ended while the disk was full: its FAILED write never landed, its file did
    const full = 'local DynamoDB: IO error: 000005.log: No space left on device';
    await writeFile(join(executions, 'ended-unrecorded.json'), JSON.stringify({ ...state('ended-unrecorded', now + 120_000), status: 'FAILED', stopDate: now + 2000, error: 'InternalServerError', cause: full }));
    first = undefined;

    const lines: string[] = [];
    const stack = await startLocalStack({ ...options(dataDir), log: (l) => lines.push(l) });
    try {
      const resumed = await stack.waitForRun('resume-me', 60_000);
      expect(resumed.status).toBe('SUCCEEDED');
      expect(resumed.risk!['0.99'].var).toBeGreaterThan(0);
      for (const id of ['past-deadline', 'no-execution']) expect(await stack.waitForRun(id, 10_000)).toMatchObject({ status: 'FAILED', error: INTERRUPTED, portfolioId: 'rec' });
      expect(await stack.waitForRun('ended-unrecorded', 10_000)).toMatchObject({ status: 'FAILED', error: `run failed after 2 s: ${full} (FAILED)` });
      expect(lines).toEqual(
        expect.arrayContaining([
          'run resume-me resumed: the stack stopped during it',
          `run past-deadline FAILED: ${INTERRUPTED}`,
          `run no-execution FAILED: ${INTERRUPTED}`,
          'run ended-unrecorded: its execution had ended, its FAILED is recorded now',
        ]),
      );
      // the execution file says so too: a third start changes nothing
      expect(JSON.parse(await readFile(join(executions, 'past-deadline.json'), 'utf-8'))).toMatchObject({ status: 'FAILED', cause: INTERRUPTED });

      // an upload's runId is taken once; POST /runs {key} is a fresh run of the same object
      const s3 = makeS3Client(stack.env);
      const etag = (await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: 'uploads/rec/a.csv', Body: scaledCsv(1) }))).ETag!;
      s3.destroy();
      const upload = await stack.waitForRun(stack.uploadRunId('uploads/rec/a.csv', etag), 60_000);
      const post = await fetch(`${stack.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ portfolioId: 'rec', key: 'uploads/rec/a.csv' }) });
      expect(post.status).toBe(202);
      const { runId } = (await post.json()) as { runId: string };
      expect(runId).not.toBe(upload.runId);
      expect((await stack.waitForRun(runId, 60_000)).risk!['0.99'].var).toBe(upload.risk!['0.99'].var);
    } finally {
      await stack.stop();
    }
  });
});
