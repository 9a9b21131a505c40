import { describe, expect, it } from 'vitest';
import { closedFormName, usesStudentTClosedForm, usesTMixtureClosedForm } from '../../lambdas/engine/closed-form.ts';

const t1 = { distribution: 't', df: 5, horizon: 1, residual: 'none' } as const;

describe('usesStudentTClosedForm', () => {
  it('holds only for t factors over one day without residual noise', () => {
    expect(usesStudentTClosedForm(t1)).toBe(true);
    expect(usesStudentTClosedForm({ ...t1, horizon: 10 })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, residual: 'normal' })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, distribution: 'normal', df: null })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, df: null })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, df: 2 })).toBe(false);
  });
});

describe('usesTMixtureClosedForm', () => {
  const mix = { ...t1, residual: 'normal' } as const;
  it('holds only for t factors plus a normal residual over one day', () => {
    expect(usesTMixtureClosedForm(mix)).toBe(true);
    expect(usesTMixtureClosedForm(t1)).toBe(false);
    expect(usesTMixtureClosedForm({ ...mix, horizon: 2 })).toBe(false);
    expect(usesTMixtureClosedForm({ ...mix, distribution: 'normal', df: null })).toBe(false);
    expect(usesTMixtureClosedForm({ ...mix, df: null })).toBe(false);
  });
  it('never overlaps the Student-t case, and closedFormName names each', () => {
    for (const sim of [t1, mix, { ...mix, horizon: 3 }, { distribution: 'normal', df: null, horizon: 1, residual: 'none' } as const]) {
      expect(usesStudentTClosedForm(sim) && usesTMixtureClosedForm(sim)).toBe(false);
    }
    expect(closedFormName(t1)).toBe('Student-t closed form');
    expect(closedFormName(mix)).toBe('exact t + normal residual, 1-D quadrature');
    expect(closedFormName({ ...mix, horizon: 3 })).toMatch(/APPROXIMATION/);
  });
});
