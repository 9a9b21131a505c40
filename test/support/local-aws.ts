// Real S3 (s3rver) and DynamoDB (dynalite) in-process on free ports, for tests and the local stack.
// Dummy credentials and endpoint variables go into process.env so the adapters' default factories find them.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { makeS3Client } from '../../lambdas/adapters/clients.ts';
import { guardS3rver } from '../../lambdas/local/s3-guard.ts';

const require = createRequire(import.meta.url);

export interface LocalAws {
  s3Endpoint: string;
  dynamoEndpoint: string;
  /** the env a client needs (also applied to process.env by startLocalAws) */
  env: Record<string, string>;
  /** s3rver's storage directory */
  directory: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv: Server = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface LocalAwsOptions {
  /** buckets to create once S3 is up */
  buckets?: string[];
  /** write the endpoints and dummy credentials into process.env (default true) */
  applyEnv?: boolean;
  /** s3rver storage directory (default: a fresh temp dir removed on stop) */
  directory?: string;
}

export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const S3rver = require('s3rver');
  const dynalite = require('dynalite');
  const ownDir = !options.directory;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'varstream-s3-')));

  const s3Port = await freePort();
  const s3 = new S3rver({ port: s3Port, address: '127.0.0.1', directory, silent: true, allowMismatchedSignatures: true });
  guardS3rver(s3, directory); // as the local stack runs it
  await s3.run();

  const dynamoPort = await freePort();
  const dyn = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    dyn.once('error', reject);
    dyn.listen(dynamoPort, '127.0.0.1', () => resolve());
  });

  const env = {
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Port}`,
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${dynamoPort}`,
  };
  const saved: Record<string, string | undefined> = {};
  if (options.applyEnv !== false) {
    for (const [k, v] of Object.entries(env)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  }

  const client = makeS3Client(env);
  for (const bucket of options.buckets ?? []) await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();

  return {
    s3Endpoint: env.AWS_ENDPOINT_URL_S3,
    dynamoEndpoint: env.AWS_ENDPOINT_URL_DYNAMODB,
    env,
    directory,
    async stop() {
      await s3.close();
      await new Promise<void>((resolve) => dyn.close(() => resolve()));
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      if (ownDir) await rm(directory, { recursive: true, force: true });
    },
  };
}
