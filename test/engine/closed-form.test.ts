import { describe, expect, it } from 'vitest';
import { usesStudentTClosedForm } from '../../lambdas/engine/closed-form.ts';

describe('usesStudentTClosedForm', () => {
  const t1 = { distribution: 't', df: 5, horizon: 1, residual: 'none' } as const;
  it('holds only for t factors over one day without residual noise', () => {
    expect(usesStudentTClosedForm(t1)).toBe(true);
    expect(usesStudentTClosedForm({ ...t1, horizon: 10 })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, residual: 'normal' })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, distribution: 'normal', df: null })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, df: null })).toBe(false);
    expect(usesStudentTClosedForm({ ...t1, df: 2 })).toBe(false);
  });
});
