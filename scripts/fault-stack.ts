// The fault drill's harness (scripts/faults.ts): one `npm start` child process per scenario on loopback ports, with
// its API, local S3 and DynamoDB endpoints, raw HTTP for requests fetch would normalise, and the outcome row.
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../lambdas/adapters/clients.ts';
import { uploadRunId } from '../lambdas/contracts/run-ids.ts';
import type { RunRecord } from '../lambdas/engine/types.ts';

export const ROOT = new URL('..', import.meta.url).pathname;
export const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
/** The fields of an API answer the drill reads (a run record, a 202, an error). */
export type ApiJson = (Partial<RunRecord> & { runId: string; error?: string }) | undefined;
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** One `npm start` in its own process group (so kill -9 reaches the node process, not only npm). */
export class Stack {
  readonly lines: string[] = [];
  exited: number | null | undefined;
  apiUrl = '';
  s3Endpoint = '';
  bucket = 'varstream-local';
  private constructor(
    readonly child: ChildProcess,
    readonly dataDir: string,
  ) {}

  static async start(dataDir: string, env: Record<string, string> = {}): Promise<Stack> {
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        VARSTREAM_DATA_DIR: dataDir,
        VARSTREAM_API_PORT: '0',
        VARSTREAM_S3_PORT: '0',
        VARSTREAM_DYNAMODB_PORT: '0',
        VARSTREAM_PORTFOLIOS: '',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...env,
      },
    });
    const stack = new Stack(child, dataDir);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) stack.lines.push(line);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => (stack.exited = code));
    const t0 = Date.now();
    while (!stack.lines.some((l) => l.includes(' ready: '))) {
      if (stack.exited !== undefined) throw new Error(`npm start exited ${stack.exited}: ${stack.lines.slice(-5).join(' | ')}`);
      if (Date.now() - t0 > 120_000) {
        await stack.kill9();
        throw new Error('npm start: not ready after 120 s');
      }
      await sleep(100);
    }
    const url = (label: string) => / (http:\/\/127\.0\.0\.1:\d+)/.exec(stack.lines.find((l) => l.includes(`${label} `) && l.includes('http://')) ?? '')?.[1] ?? '';
    stack.apiUrl = url('API');
    stack.s3Endpoint = url('S3');
    return stack;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** The node process of the stack (npm's grandchild), found by its process group. */
  nodePid(): number | undefined {
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf-8');
        const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf-8');
        if (pgid === this.child.pid && cmd.split('\0')[0].endsWith('node') && cmd.includes('bin/local.ts')) return Number(pid);
      } catch {
        // gone
      }
    }
    return undefined;
  }

  /** Peak RSS of the stack's node process (VmHWM), MB. */
  peakRssMb(): number | undefined {
    const pid = this.nodePid();
    if (!pid) return undefined;
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf-8'));
    return m ? Number(m[1]) / 1024 : undefined;
  }

  kill9(): Promise<void> {
    process.kill(-this.child.pid!, 'SIGKILL');
    return this.waitExit();
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    process.kill(-this.child.pid!, 'SIGTERM');
    await Promise.race([this.waitExit(), sleep(30_000)]);
    if (this.alive) await this.kill9();
  }

  private async waitExit(): Promise<void> {
    while (this.alive) await sleep(50);
  }

  s3() {
    return makeS3Client({ ...CREDENTIALS, AWS_ENDPOINT_URL_S3: this.s3Endpoint });
  }

  async put(key: string, body: string | Buffer): Promise<{ status: number; etag?: string }> {
    const s3 = this.s3();
    try {
      const out = await s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
      return { status: 200, etag: out.ETag };
    } catch (e) {
      return { status: (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? 0 };
    } finally {
      s3.destroy();
    }
  }

  async get(path: string): Promise<{ status: number; json: ApiJson }> {
    const res = await fetch(this.apiUrl + path);
    return { status: res.status, json: (await res.json().catch(() => undefined)) as ApiJson };
  }

  async post(body: unknown): Promise<{ status: number; json: ApiJson }> {
    const res = await fetch(`${this.apiUrl}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as ApiJson };
  }

  /** The run once it is no longer RUNNING (undefined if it still is after `timeoutMs`, or never appeared). */
  async settled(runId: string, timeoutMs: number): Promise<RunRecord | undefined> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      const r = await this.get(`/runs/${runId}`).catch(() => undefined);
      if (r?.status === 200 && r.json && r.json.status !== 'RUNNING') return r.json as RunRecord;
      await sleep(200);
    }
    return undefined;
  }

  uploadRunId(key: string, etag: string): string {
    return uploadRunId({ bucket: this.bucket, key, sequencer: etag.replace(/"/g, '') });
  }
}

/** A raw HTTP request (fetch and the SDK would normalise `..` away). */
export function raw(endpoint: string, method: string, path: string, body: string, headers: Record<string, string> = {}): Promise<number> {
  const url = new URL(endpoint);
  return new Promise((resolve) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

export const var99 = (r: RunRecord | undefined) => r?.risk?.['0.99']?.var;
export function count(xs: string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].map(([k, c]) => `${c} ${k}`).join(', ');
}

export interface Outcome {
  scenario: string;
  outcome: string;
  ok: boolean;
}
