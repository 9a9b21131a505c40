import { defineConfig } from 'vitest/config';
import { nodeVersionProblem } from './lambdas/local/node-version.ts';

// the tests run on Lambda's Node major (npm test uses node_modules/.bin/node on linux-x64)
const problem = nodeVersionProblem();
if (problem) throw new Error(problem);

// CI asks for a JSON report (VITEST_JSON) to print the closing `N passed, N failed` line.
const json = process.env.VITEST_JSON;
// CI also asks for coverage (VITEST_COVERAGE=1) and prints its summary; `npm test` skips it to stay fast.
const coverage = process.env.VITEST_COVERAGE === '1';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: json ? ['default', ['json', { outputFile: json }]] : ['default'],
    coverage: {
      enabled: coverage,
      provider: 'v8',
      include: ['bin/**/*.ts', 'lib/**/*.ts', 'lambdas/**/*.ts'],
      reporter: ['text-summary', ['text', { skipFull: true }]],
      reportsDirectory: 'out/coverage',
    },
  },
});
