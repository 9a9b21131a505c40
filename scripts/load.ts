// Load check of the local stack: N CSVs dropped into local S3 at once (one portfolio each, the sample's portfolio
// column scaled by a distinct factor k), then every run must be SUCCEEDED under its own portfolio with VaR = k·VaR of
// the unscaled sample (OLS and the simulation are linear in the portfolio returns; screening is scale-free), so a lost
// or mixed-up run shows; and M concurrent API requests must each get their own right answer.
//   npm run load -- [uploads=50] [requests=20]      (or: node --import tsx scripts/load.ts 50 20)
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../lambdas/adapters/clients.ts';
import type { RunRecord } from '../lambdas/engine/types.ts';
import type { LocalStackOptions } from '../lambdas/local/options.ts';
import { startLocalStack } from '../lambdas/local/stack.ts';

const SAMPLE = readFileSync(new URL('../data/tech11.csv', import.meta.url), 'utf-8');

export interface LoadOptions {
  uploads: number;
  requests: number;
  simulations?: number;
  stack?: LocalStackOptions;
}

export interface LoadUpload {
  portfolioId: string;
  key: string;
  scale: number;
  runId: string;
  record: RunRecord;
}

/** The fields of a GET answer the load check reads (a run, or a portfolio's list of runs). */
interface ApiAnswer {
  runId?: string;
  runs?: Array<{ portfolioId: string }>;
}

export interface LoadReport {
  uploads: LoadUpload[];
  /** the unscaled sample's run (scale 1) */
  reference: RunRecord;
  /** upload of the first file → every run SUCCEEDED or FAILED */
  wallMs: number;
  requests: Array<{ path: string; status: number; body: ApiAnswer }>;
  requestsMs: number;
  startMs: number;
}

/** The sample with its portfolio column times k (text kept exact for k = 1). */
export function scaledCsv(k: number): string {
  if (k === 1) return SAMPLE;
  return SAMPLE.split('\n')
    .map((line, i) => {
      if (i === 0 || line === '') return line;
      const cells = line.split(',');
      cells[1] = String(Number(cells[1]) * k);
      return cells.join(',');
    })
    .join('\n');
}

/** k for upload i: 1 for the first, then distinct factors 2% apart in [0.5, 1.5). */
export const scaleOf = (i: number, n: number): number => (i === 0 ? 1 : 0.5 + i / n);

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const t0 = performance.now();
  const dataDir = await mkdtemp(join(tmpdir(), 'varstream-load-'));
  const stack = await startLocalStack({ dataDir, removeDataOnStop: true, apiPort: 0, s3Port: 0, dynamodbPort: 0, scheduleCron: null, logLevel: 'SILENT', ...options.stack });
  const startMs = performance.now() - t0;
  const s3 = makeS3Client(stack.env);
  try {
    const ids = Array.from({ length: options.uploads }, (_, i) => `load-${String(i).padStart(3, '0')}`);
    const config = JSON.stringify({ simulations: options.simulations ?? 10_000 });
    await Promise.all(ids.map((p) => s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: `config/${p}.json`, Body: config }))));

    const t1 = performance.now();
    const uploads = await Promise.all(
      ids.map(async (portfolioId, i) => {
        const scale = scaleOf(i, options.uploads);
        const key = `uploads/${portfolioId}/returns.csv`;
        const out = await s3.send(new PutObjectCommand({ Bucket: stack.bucket, Key: key, Body: scaledCsv(scale) }));
        return { portfolioId, key, scale, runId: stack.uploadRunId(key, out.ETag!) };
      }),
    );
    const records = await Promise.all(uploads.map((u) => stack.waitForRun(u.runId, 300_000)));
    const wallMs = performance.now() - t1;

    // concurrent reads: each run by id and each portfolio's list, all at once
    const paths = Array.from({ length: options.requests }, (_, i) => {
      const u = uploads[i % uploads.length];
      return i % 2 === 0 ? `/runs/${u.runId}` : `/portfolios/${u.portfolioId}/runs`;
    });
    const t2 = performance.now();
    const requests = await Promise.all(
      paths.map(async (path) => {
        const res = await fetch(stack.apiUrl + path);
        return { path, status: res.status, body: (await res.json()) as ApiAnswer };
      }),
    );
    const requestsMs = performance.now() - t2;
    const withRecords = uploads.map((u, i) => ({ ...u, record: records[i] }));
    return { uploads: withRecords, reference: records[0], wallMs, requests, requestsMs, startMs };
  } finally {
    s3.destroy();
    await stack.stop();
  }
}

/** Every way the load can go wrong, as messages (empty = all good). */
export function checkLoad(report: LoadReport): string[] {
  const problems: string[] = [];
  const ref = report.reference.risk?.['0.99']?.var;
  if (ref === undefined) return [`reference run ${report.reference.runId} has no VaR: ${report.reference.status} ${report.reference.error ?? ''}`];
  for (const u of report.uploads) {
    const r = u.record;
    if (r.status !== 'SUCCEEDED') problems.push(`${u.portfolioId}: ${r.status} ${r.error ?? ''}`);
    else if (r.runId !== u.runId || r.portfolioId !== u.portfolioId || r.input.key !== u.key) problems.push(`${u.portfolioId}: got run ${r.runId} of ${r.portfolioId} (${r.input.key})`);
    else {
      const v = r.risk!['0.99'].var;
      if (Math.abs(v - u.scale * ref) > 1e-9 * Math.abs(u.scale * ref)) problems.push(`${u.portfolioId}: VaR99 ${v}, expected ${u.scale} × ${ref} = ${u.scale * ref}`);
    }
  }
  for (const q of report.requests) {
    if (q.status !== 200) {
      problems.push(`GET ${q.path}: ${q.status}`);
      continue;
    }
    const m = /^\/runs\/(.+)$/.exec(q.path);
    if (m && q.body.runId !== m[1]) problems.push(`GET ${q.path}: answered run ${q.body.runId}`);
    const p = /^\/portfolios\/(.+)\/runs$/.exec(q.path);
    if (p && (q.body.runs?.length !== 1 || q.body.runs[0].portfolioId !== p[1])) problems.push(`GET ${q.path}: ${JSON.stringify(q.body).slice(0, 200)}`);
  }
  return problems;
}

async function main(): Promise<void> {
  const uploads = Number(process.argv[2] ?? 50);
  const requests = Number(process.argv[3] ?? 20);
  console.log(`load: ${uploads} uploads at once, then ${requests} concurrent API requests`);
  const report = await runLoad({ uploads, requests });
  const problems = checkLoad(report);
  const ok = report.uploads.filter((u) => u.record.status === 'SUCCEEDED').length;
  console.log(`stack start ${(report.startMs / 1000).toFixed(2)} s`);
  console.log(`${ok}/${uploads} runs SUCCEEDED in ${(report.wallMs / 1000).toFixed(2)} s wall (${(report.wallMs / uploads).toFixed(0)} ms per run)`);
  console.log(`${report.requests.filter((r) => r.status === 200).length}/${requests} API requests answered 200 in ${report.requestsMs.toFixed(0)} ms`);
  for (const p of problems) console.log(`PROBLEM ${p}`);
  console.log(problems.length === 0 ? 'load: OK (every run under its own portfolio, VaR = k·VaR of the sample)' : `load: ${problems.length} problems`);
  process.exit(problems.length === 0 ? 0 : 1);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
