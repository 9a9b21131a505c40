// The layer rules (.dependency-cruiser.mjs) over the real tree, and over a throw-away tree holding forbidden imports:
// the first must pass, the second must fail with exactly the rules it breaks, so a rule that stopped matching shows.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import config, { knownExceptions } from '../.dependency-cruiser.mjs';

const root = join(import.meta.dirname, '..');

async function cruiseIn(baseDir: string, dirs: string[]): Promise<Array<{ rule: string; from: string; to: string }>> {
  const options: ICruiseOptions = { ...config.options, ruleSet: { forbidden: config.forbidden }, baseDir, validate: true, outputType: 'json' };
  const result: IReporterOutput = await cruise(dirs, options);
  const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
  return output.summary.violations.map((v: { rule: { name: string }; from: string; to: string }) => ({ rule: v.rule.name, from: v.from, to: v.to }));
}

describe('layers', () => {
  it('the tree keeps every layer rule (known exceptions aside)', async () => {
    expect(await cruiseIn(root, ['bin', 'lib', 'lambdas'])).toEqual([]);
  }, 120_000);

  it('every known exception still exists: a fixed file must leave the list', async () => {
    const relaxed = { ...config, forbidden: config.forbidden.map((r) => ({ ...r, from: { path: r.from.path } })) };
    const options: ICruiseOptions = { ...relaxed.options, ruleSet: { forbidden: relaxed.forbidden }, baseDir: root, validate: true, outputType: 'json' };
    const result = await cruise(['bin', 'lib', 'lambdas'], options);
    const output = typeof result.output === 'string' ? JSON.parse(result.output) : result.output;
    const violations: Array<{ rule: { name: string }; from: string }> = output.summary.violations;
    for (const [rule, patterns] of Object.entries(knownExceptions)) {
      for (const pattern of patterns) {
        expect(
          violations.some((v) => v.rule.name === rule && new RegExp(pattern).test(v.from)),
          `${rule} ${pattern}`,
        ).toBe(true);
      }
    }
  }, 120_000);

  describe('a tree with forbidden imports fails', () => {
    let dir: string;
    const files: Record<string, string> = {
      'lambdas/contracts/ok.ts': "import { z } from 'zod';\nexport const s = z.string();\n",
      'lambdas/contracts/bad.ts': "import { f } from '../engine/pure.ts';\nexport const g = f;\n",
      'lambdas/engine/pure.ts': "import { s } from '../contracts/ok.ts';\nexport const f = () => s;\n",
      'lambdas/engine/reads-files.ts': "import { readFileSync } from 'node:fs';\nexport const r = () => readFileSync('x');\n",
      'lambdas/engine/draws.ts': "import { page } from '../report/page.ts';\nexport const d = page;\n",
      'lambdas/report/page.ts': "import { f } from '../engine/pure.ts';\nexport const page = () => '<p>' + f() + '</p>';\n",
      'lambdas/adapters/store.ts': "import { step } from '../handlers/step.ts';\nexport const put = step;\n",
      'lambdas/handlers/step.ts': "import { f } from '../engine/pure.ts';\nexport const step = f;\n",
      'lambdas/local/stack.ts': "import { step } from '../handlers/step.ts';\nexport const start = step;\n",
      'lib/stack.ts': "import { put } from '../lambdas/adapters/store.ts';\nimport { s } from '../lambdas/contracts/ok.ts';\nexport const x = [put, s];\n",
      'bin/cli/run.ts': "import { start } from '../../lambdas/local/stack.ts';\nexport const y = start;\n",
      'bin/cli/fit.ts': "import { start } from '../../lambdas/local/stack.ts';\nexport const z = start;\n",
    };
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'varstream-layers-'));
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', allowImportingTsExtensions: true, noEmit: true } }),
      );
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('names each broken rule at its import, and nothing else', async () => {
      const got = await cruiseIn(dir, ['bin', 'lib', 'lambdas']);
      const seen = got.map((v) => `${v.rule} ${v.from} → ${v.to}`).sort();
      expect(seen).toEqual(
        [
          'contracts-are-leaves lambdas/contracts/bad.ts → lambdas/engine/pure.ts',
          'engine-no-io lambdas/engine/reads-files.ts → fs',
          'engine-is-pure lambdas/engine/draws.ts → lambdas/report/page.ts',
          'adapters-below-handlers lambdas/adapters/store.ts → lambdas/handlers/step.ts',
          'lib-only-contracts lib/stack.ts → lambdas/adapters/store.ts',
          'cli-not-local bin/cli/fit.ts → lambdas/local/stack.ts',
          'cli-not-local bin/cli/run.ts → lambdas/local/stack.ts',
        ].sort(),
      );
    }, 120_000);
  });
});
