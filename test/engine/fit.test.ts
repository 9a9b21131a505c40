import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { factorModel, fitModel } from '../../lambdas/engine/fit.ts';
import { InputError, type ReturnsData } from '../../lambdas/engine/types.ts';
import { CASES, expectClose, expectRegression, loadCase } from '../fixtures/reference/fixture.ts';

describe('fitModel against the reference screening (statsmodels) and LASSO (sklearn)', () => {
  for (const name of CASES) {
    it(`${name}: screening sequence, selection, final regression, adequacy, factor model`, () => {
      const { ref, data, settings } = loadCase(name);
      const e = ref.expected;
      const fit = fitModel(data, settings);
      expect(fit.observations).toBe(data.y.length);
      expect(fit.window).toEqual({ start: ref.dates[0], end: ref.dates[ref.dates.length - 1] });
      expect(fit.portfolio).toBe(ref.portfolio);
      expect(fit.candidates).toEqual(ref.candidates);
      expect(fit.screening.steps.map((s) => [s.factor, s.reason])).toEqual(e.screening.steps.map((s) => [s.factor, s.reason]));
      fit.screening.steps.forEach((s, i) =>
        expectClose(s.value, e.screening.steps[i].value, `step ${i}`, s.reason === 'pValue' ? 1e-4 : 1e-6),
      );
      expect(fit.screening.vif.map((d) => d.factor)).toEqual(e.screening.vif.map((d) => d.factor));
      fit.screening.vif.forEach((d, i) => expectClose(d.vif, e.screening.vif[i].vif, `vif drop ${i}`));
      expect(fit.screening.pValue.map((d) => d.factor)).toEqual(e.screening.pValue.map((d) => d.factor));
      fit.screening.pValue.forEach((d, i) => expectClose(d.pValue, e.screening.pValue[i].pValue, `p drop ${i}`, 1e-4));
      expect(fit.selected).toEqual(e.selected);
      expect(fit.adequate).toBe(e.adequate);
      expectRegression(fit.full, e.full, `${name}.full`);
      expectRegression(fit.final, e.final, `${name}.final`);
      expect(fit.lasso.cvSelected).toEqual(e.lasso.cvSelected);
      expect(fit.lasso.selected1se).toEqual(e.lasso.selected1se);

      const m = factorModel(fit, data);
      expect(m.factors).toEqual(e.model.factors);
      m.beta.forEach((b, i) => expectClose(b, e.model.beta[i], `beta ${i}`));
      expectClose(m.alpha, e.model.alpha, 'alpha');
      expectClose(m.residualVariance, e.model.residualVariance, 'residualVariance');
      m.mu.forEach((v, i) => expectClose(v, e.model.mu[i], `mu ${i}`, 1e-12));
      m.cov.forEach((row, i) => row.forEach((v, j) => expectClose(v, e.model.cov[i][j], `cov ${i},${j}`, 1e-12)));
    });
  }

  it('tech11 tells the source paper story', () => {
    const { data, settings } = loadCase('tech11');
    const fit = fitModel(data, settings);
    expect(fit.observations).toBe(333);
    expect(fit.screening.steps.map((s) => `${s.reason}:${s.factor}`)).toEqual(['vif:SPY', 'vif:IWF', 'pValue:TLT', 'pValue:VIX']);
    expect(fit.screening.vif[0].vif).toBeCloseTo(54.11, 2);
    expect(fit.screening.vif[1].vif).toBeCloseTo(14.55, 2);
    expect(fit.full.vif.IWF).toBeCloseTo(49.25, 2);
    expect(fit.full.vif.XLK).toBeGreaterThan(10);
    expect(fit.selected).toEqual(['XLK', 'MTUM', 'VLUE']);
    for (const f of fit.selected) expect(fit.final.coefficients[f].pValue).toBeLessThan(0.05);
    expect(Math.max(...Object.values(fit.final.vif))).toBeLessThan(10);
    expect(fit.final.r2).toBeCloseTo(0.8898, 4);
    expect(fit.adequate).toBe(true);
    expect(fit.warnings).toEqual([]);
  });

  it('retain exempts a factor from both steps', () => {
    const { data, settings } = loadCase('tech11_retain_spy');
    expect(settings.retain).toEqual(['SPY']);
    const fit = fitModel(data, settings);
    expect(fit.selected).toContain('SPY');
    expect(fit.screening.steps.some((s) => s.factor === 'SPY')).toBe(false);
  });

  it('a poorly explained portfolio is inadequate and says why', () => {
    const { data, settings } = loadCase('orcl_weak');
    const fit = fitModel(data, settings);
    expect(fit.adequate).toBe(false);
    expect(fit.warnings.some((w) => w.includes('below r2Threshold 0.8'))).toBe(true);
    expect(fit.warnings.some((w) => w.includes('1-SE rule selects no factor'))).toBe(true);
  });

  it('thresholds are settings: a higher VIF bar keeps SPY and IWF out of the VIF step', () => {
    const { data } = loadCase('tech11');
    const fit = fitModel(data, parseSettings({ vifThreshold: 100 }));
    expect(fit.screening.vif).toEqual([]);
  });

  it('screening never drops the last factor: it is kept with a warning', () => {
    const { data } = loadCase('tech11');
    const fit = fitModel(data, parseSettings({ pValueThreshold: 1e-300 }));
    expect(fit.selected.length).toBe(1);
    expect(fit.screening.steps.length).toBe(data.candidates.length - 1);
    expect(fit.warnings.some((w) => w.includes(`kept "${fit.selected[0]}"`))).toBe(true);
    expect(fit.final.factors).toEqual(fit.selected);
  });
});

describe('fitModel refuses what no regression can fit', () => {
  const base = () => loadCase('tech11').data;
  const withColumn = (data: ReturnsData, name: string, values: Float64Array): ReturnsData => ({
    ...data,
    candidates: [...data.candidates, name],
    X: [...data.X, values],
    headerColumns: { ...data.headerColumns, [name]: 10 },
  });
  const inputError = (f: () => unknown): InputError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      return e as InputError;
    }
    throw new Error('expected an InputError');
  };

  it('a constant factor column, located at its header cell', () => {
    const data = base();
    const err = inputError(() => fitModel(withColumn(data, 'CASH', new Float64Array(data.y.length).fill(0.0001)), parseSettings({})));
    expect([err.file, err.line, err.column]).toEqual(['tech11.csv', 1, 10]);
    expect(err.message).toMatch(/^tech11\.csv:1:10: column "CASH" is constant/);
  });

  it('a constant portfolio column', () => {
    const data = { ...base(), y: new Float64Array(333) };
    const err = inputError(() => fitModel(data, parseSettings({})));
    expect(err.column).toBe(2);
    expect(err.detail).toMatch(/column "portfolio" is constant/);
  });

  it('a perfectly collinear set names exactly its members', () => {
    const data = base();
    const spy = data.X[data.candidates.indexOf('SPY')];
    const tlt = data.X[data.candidates.indexOf('TLT')];
    const mix = spy.map((v, i) => 0.6 * v + 0.4 * tlt[i] + 0.001); // a constant offset is still collinear with const
    const err = inputError(() => fitModel(withColumn(data, 'MIX', mix), parseSettings({})));
    expect(err.column).toBe(data.headerColumns.SPY);
    expect(err.detail).toMatch(/^columns "SPY", "TLT", "MIX" are perfectly collinear/);
  });

  it('a duplicated column', () => {
    const data = base();
    const err = inputError(() => fitModel(withColumn(data, 'XLK2', Float64Array.from(data.X[data.candidates.indexOf('XLK')])), parseSettings({})));
    expect(err.detail).toMatch(/^columns "XLK", "XLK2" are perfectly collinear/);
    expect(err.column).toBe(data.headerColumns.XLK);
  });

  it('fewer rows than factors + 2', () => {
    const data = base();
    const cut: ReturnsData = { ...data, dates: data.dates.slice(0, 8), y: data.y.slice(0, 8), X: data.X.map((c) => c.slice(0, 8)) };
    const err = inputError(() => fitModel(cut, parseSettings({})));
    expect(err.detail).toMatch(/fewer rows than factors \+ 2/);
  });

  it('a retain name that is not a candidate', () => {
    const err = inputError(() => fitModel(base(), parseSettings({ retain: ['QQQ'] })));
    expect(err.detail).toMatch(/retain names "QQQ"/);
  });
});
