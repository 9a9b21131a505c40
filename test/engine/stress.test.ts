import { describe, expect, it } from 'vitest';
import { stressTest } from '../../lambdas/engine/stress.ts';
import type { FactorModel } from '../../lambdas/engine/types.ts';

// Model on A and C; B was screened out but stays in the universe of candidates.
const universe = {
  factors: ['A', 'B', 'C'],
  mu: [0.001, -0.002, 0.0005],
  cov: [
    [4e-4, -3e-4, 1e-4],
    [-3e-4, 9e-4, -2e-4],
    [1e-4, -2e-4, 2.5e-4],
  ],
};
const model: FactorModel = {
  factors: ['A', 'C'],
  beta: [1.2, -0.4],
  alpha: 0,
  residualVariance: 1e-5,
  mu: [universe.mu[0], universe.mu[2]],
  cov: [
    [4e-4, 1e-4],
    [1e-4, 2.5e-4],
  ],
  universe,
};

describe('stress through the candidate universe', () => {
  it('a shock to a dropped factor moves the model factors by their conditional mean', () => {
    const b = 0.5;
    const r = stressTest(model, { B: b });
    // E[X | B = b] = μ_X + Σ_XB / Σ_BB · (b − μ_B), by hand
    const eA = 0.001 + (-3e-4 / 9e-4) * (b + 0.002);
    const eC = 0.0005 + (-2e-4 / 9e-4) * (b + 0.002);
    expect(r.direct).toBe(0);
    expect(r.factors.A).toBeCloseTo(eA, 15);
    expect(r.factors.C).toBeCloseTo(eC, 15);
    expect(r.conditional).toBeCloseTo(1.2 * eA - 0.4 * eC, 15);
  });

  it('mixes model and dropped factors in one shock', () => {
    const r = stressTest(model, { A: -0.1, B: 0.5 });
    // condition C on (A, B) jointly: Σ_C,(A,B) Σ_(A,B)⁻¹ (s − μ)
    const [saa, sab, sbb] = [4e-4, -3e-4, 9e-4];
    const det = saa * sbb - sab * sab;
    const dA = -0.1 - 0.001;
    const dB = 0.5 + 0.002;
    const xA = (sbb * dA - sab * dB) / det;
    const xB = (-sab * dA + saa * dB) / det;
    const eC = 0.0005 + 1e-4 * xA + -2e-4 * xB;
    expect(r.direct).toBeCloseTo(1.2 * -0.1, 15);
    expect(r.conditional).toBeCloseTo(1.2 * -0.1 - 0.4 * eC, 14);
  });

  it('a model factor named like an Object.prototype member is not taken for shocked', () => {
    const odd: FactorModel = { ...model, factors: ['toString', 'C'], universe: { ...universe, factors: ['toString', 'B', 'C'] } };
    const r = stressTest(odd, { B: 0.5 });
    // `'toString' in shock` is true through the prototype: direct used to be 1.2 × a function = NaN
    expect(r.direct).toBe(0);
    expect(r.conditional).toBeCloseTo(stressTest(model, { B: 0.5 }).conditional, 15);
  });

  it('without a universe it conditions on the model factors alone and refuses unknown names', () => {
    const { universe: _, ...bare } = model;
    expect(() => stressTest(bare, { B: 0.5 })).toThrow(/unknown factor "B"/);
    const r = stressTest(bare, { A: -0.1 });
    expect(r.factors.C).toBeCloseTo(0.0005 + (1e-4 / 4e-4) * (-0.1 - 0.001), 15);
  });
});
