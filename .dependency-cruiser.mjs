// The layers of varstream as import rules (README "Architecture"). test/layers.test.ts runs them over the tree inside
// `npm test`, and feeds them a deliberate forbidden import to show they bite. `npx depcruise bin lib lambdas` prints
// the same verdict.
//
// Known exceptions are listed at the bottom, each with the file that still breaks a rule and why it is not fixed yet.

const NODE_IO = '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|tls|worker_threads|os|cluster)$';
const AWS = '^(node_modules/)?(@aws-sdk|@aws-lambda-powertools|@middy|aws-cdk-lib|constructs|cdk-nag|aws-lambda)(/|$)';

/** Files that break a rule today, per rule: each is a TODO for the helper who owns the file (none today). */
export const knownExceptions = {};

const except = (rule) => (knownExceptions[rule] ? { pathNot: knownExceptions[rule] } : {});

/** @type {import('dependency-cruiser').IForbiddenRuleType[]} */
export const forbidden = [
  {
    name: 'contracts-are-leaves',
    comment: 'lambdas/contracts holds types and zod schemas shared by the CDK and the runtime: it imports only itself, zod and node:crypto',
    severity: 'error',
    from: { path: '^lambdas/contracts/' },
    to: { pathNot: ['^lambdas/contracts/', '^(node:)?crypto$', '^(node_modules/)?zod(/|$)'] },
  },
  {
    name: 'engine-is-pure',
    comment: 'lambdas/engine is the pure model: no other layer, no presentation',
    severity: 'error',
    from: { path: '^lambdas/engine/' },
    to: { path: ['^lambdas/(adapters|handlers|local|report)/', '^lib/', '^bin/'] },
  },
  {
    name: 'engine-no-io',
    comment: 'lambdas/engine does no I/O and knows no AWS: no node:fs/net/http/worker_threads, no SDK',
    severity: 'error',
    from: { path: '^lambdas/engine/' },
    to: { path: [NODE_IO, AWS] },
  },
  {
    name: 'report-is-presentation',
    comment: 'lambdas/report renders HTML/SVG from engine results: it imports engine and contracts only, and does no I/O',
    severity: 'error',
    from: { path: '^lambdas/report/' },
    to: { path: ['^lambdas/(adapters|handlers|local)/', '^lib/', '^bin/', NODE_IO, AWS] },
  },
  {
    name: 'adapters-below-handlers',
    comment: 'lambdas/adapters talk to S3/DynamoDB/Step Functions/the file system: they never call up into handlers or the local stack',
    severity: 'error',
    from: { path: '^lambdas/adapters/' },
    to: { path: ['^lambdas/(handlers|local|report)/', '^lib/', '^bin/'] },
  },
  {
    name: 'handlers-are-thin',
    comment: 'lambdas/handlers parse, call the engine and store through adapters: no SDK client of their own',
    severity: 'error',
    from: { path: '^lambdas/handlers/' },
    to: { path: ['^lambdas/local/', '^lib/', '^bin/', '^(node_modules/)?@aws-sdk/'] },
  },
  {
    name: 'local-no-sdk',
    comment: 'lambdas/local composes the embedded stack from adapters and handlers: no SDK call of its own',
    severity: 'error',
    from: { path: '^lambdas/local/', ...except('local-no-sdk') },
    to: { path: ['^(node_modules/)?@aws-sdk/', '^bin/'] },
  },
  {
    name: 'local-executes-the-synthesized-stack',
    comment: 'the local stack executes the state machine of the synthesized stack: only lambdas/local/definition.ts builds it, through lib/varstream-stack.ts',
    severity: 'error',
    from: { path: '^lambdas/local/' },
    to: { path: '^lib/', pathNot: '^lib/varstream-stack\\.ts$' },
  },
  {
    name: 'local-synthesizes-in-one-place',
    comment: 'one module of the local stack imports the CDK stack (and aws-cdk-lib with it): lambdas/local/definition.ts',
    severity: 'error',
    from: { path: '^lambdas/local/', pathNot: '^lambdas/local/definition\\.ts$' },
    to: { path: '^lib/' },
  },
  {
    name: 'lib-only-contracts',
    comment: 'lib/ (CDK) imports from lambdas/ only the contracts: never runtime code',
    severity: 'error',
    from: { path: '^lib/' },
    to: { path: '^lambdas/', pathNot: '^lambdas/contracts/' },
  },
  {
    name: 'cli-not-local',
    comment: 'the CLI (bin/varstream.ts, bin/cli/) runs the engine in-process: it never imports the embedded stack',
    severity: 'error',
    from: { path: ['^bin/cli/', '^bin/varstream\\.ts$'], ...except('cli-not-local') },
    to: { path: '^lambdas/local/' },
  },
  {
    name: 'no-test-imports',
    comment: 'shipped code never imports from test/',
    severity: 'error',
    from: { path: '^(bin|lib|lambdas)/' },
    to: { path: '^test/' },
  },
];

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden,
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^cdk\\.out', '^out/'] },
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
