// Issue 4: `npx cdk synth` succeeds offline with no AWS credentials, bundling every function with esbuild (no Docker).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('cdk synth (the real CLI)', () => {
  it('synthesizes offline without credentials and bundles each Lambda', async () => {
    const out = mkdtempSync(join(tmpdir(), 'varstream-synth-'));
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: out, CDK_DISABLE_VERSION_CHECK: '1', AWS_CONFIG_FILE: join(out, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(out, 'none') };
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(process.execPath, ['node_modules/aws-cdk/bin/cdk', 'synth', '--quiet', '--no-notices', '-o', out], { env, timeout: 170_000, maxBuffer: 1 << 24 }, (err, _stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stderr }),
      );
    });
    expect(code, stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'Varstream.template.json'), 'utf8'));
    const functions = Object.values<any>(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Runtime === 'nodejs22.x');
    expect(functions.length).toBeGreaterThanOrEqual(6);
    // every bundled asset is a real esbuild output, not a placeholder
    const entry = (d: string) => ['index.mjs', 'index.js'].map((f) => join(out, d, f)).find((f) => existsSync(f));
    const bundles = readdirSync(out).filter((d) => d.startsWith('asset.') && entry(d) !== undefined);
    expect(bundles.length).toBeGreaterThanOrEqual(6);
    for (const d of bundles) expect(statSync(entry(d)!).size).toBeGreaterThan(10_000);
  }, 180_000);
});
