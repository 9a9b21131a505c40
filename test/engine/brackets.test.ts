import { describe, expect, it } from 'vitest';
import { checkSelection, edgeHi, edgeLo } from '../../lambdas/engine/brackets.ts';

describe('brackets of a selection', () => {
  it('reads an open edge as ∓Infinity', () => {
    expect(edgeLo([null, 2])).toBe(-Infinity);
    expect(edgeHi([1, null])).toBe(Infinity);
    expect([edgeLo([-1, 2]), edgeHi([-1, 2])]).toEqual([-1, 2]);
  });

  it('accepts ascending disjoint brackets and attributeBelow edges ascending inside brackets with a lower edge', () => {
    expect(() => checkSelection({ pass: 1, brackets: [[0, 1]], attributeBelow: [0, 0.5, 1] })).not.toThrow();
    expect(() => checkSelection({ pass: 2, brackets: [[null, -0.05], [-0.03, -0.01]], attributeBelow: [-0.03] })).not.toThrow();
    expect(() => checkSelection({ pass: 1, brackets: [[null, -0.05], [-0.03, -0.01], [0, 1]], attributeBelow: [-0.03, 0] })).not.toThrow();
    expect(() => checkSelection({ pass: 1, brackets: [[null, null]], attributeBelow: [] })).not.toThrow();
  });

  it('refuses a bad pass, no brackets, an empty or overlapping bracket, and a stray attributeBelow', () => {
    expect(() => checkSelection({ pass: 0, brackets: [[null, null]], attributeBelow: [] })).toThrow(/bad pass/);
    expect(() => checkSelection({ pass: 1, brackets: [], attributeBelow: [] })).toThrow(/no brackets/);
    expect(() => checkSelection({ pass: 1, brackets: [[1, 0]], attributeBelow: [] })).toThrow(/bracket 0 \[1, 0\] is empty/);
    expect(() => checkSelection({ pass: 1, brackets: [[0, 1], [1, 2]], attributeBelow: [] })).toThrow(/bracket 1 .* overlaps/);
    expect(() => checkSelection({ pass: 1, brackets: [[0, 1]], attributeBelow: [1.5] })).toThrow(/attributeBelow/);
    expect(() => checkSelection({ pass: 1, brackets: [[null, 1]], attributeBelow: [0.5] })).toThrow(/attributeBelow/);
    expect(() => checkSelection({ pass: 1, brackets: [[0, 1]], attributeBelow: [0.5, 0.25] })).toThrow(/attributeBelow/);
    expect(() => checkSelection({ pass: 1, brackets: [[-1, -0.5], [0, 1]], attributeBelow: [0, -1] })).toThrow(/attributeBelow/);
    expect(() => checkSelection({ pass: 1, brackets: [[0, 1]], attributeBelow: null as never })).toThrow(/attributeBelow/);
  });
});
