// Every model's one-day VaR/ES series against the independent numpy/scipy reference (scripts/make_model_fixtures.py).
import { describe, expect, it } from 'vitest';
import { ols } from '../../../lambdas/engine/ols.ts';
import { forecastDay, MODEL_NAMES, type ModelName } from '../../../lambdas/engine/models/index.ts';
import { ewmaTDf } from '../../../lambdas/engine/models/ewma-t.ts';
import { scheduledGarch } from '../../../lambdas/engine/models/garch-t.ts';
import { windowT } from '../../../lambdas/engine/models/student-t.ts';
import { InputError } from '../../../lambdas/engine/types.ts';
import { expectRelative, loadCase } from './fixture.ts';

for (const name of ['tech11', 'nvda'] as const) {
  describe(`models on ${name}`, async () => {
    const { fx, history, fitted, at } = await loadCase(name);
    const options = { lambda: fx.lambda };
    const series = (model: ModelName, tol: number): void => {
      fx.rows.forEach((row, i) => {
        const f = forecastDay(model, at(row), fitted, options, fx.levels);
        expect(f.exact).toBe(true);
        for (const c of fx.levels) {
          const k = String(c);
          expectRelative(f.var[k], fx.models[model as 'ewma'].var[k][i], tol, `${model} VaR ${k} on ${fx.days[i]}`);
          expectRelative(f.es[k], fx.models[model as 'ewma'].es[k][i], tol, `${model} ES ${k} on ${fx.days[i]}`);
        }
      });
    };

    it('the fixture fitted the same OLS as the engine (β, α to 1e-10)', () => {
      const cols = history.factors.map((c) => c.slice(fx.fitStart, fx.fitEnd));
      const r = ols(history.portfolio.slice(fx.fitStart, fx.fitEnd), cols, fx.factors);
      fx.factors.forEach((f, j) => expectRelative(r.coefficients[f].estimate, fx.beta[j], 1e-10, `beta ${f}`));
      expectRelative(r.coefficients.const.estimate, fx.alpha, 1e-8, 'alpha');
    });

    it('ewma VaR/ES series to 1e-9 relative', () => series('ewma', 1e-9));
    it('fhs VaR/ES series to 1e-9 relative (exact enumeration of 500 scenarios)', () => series('fhs', 1e-9));
    it('hs VaR/ES series to 1e-12 relative (exact enumeration of 250 days)', () => series('hs', 1e-12));

    it('normal: the closed form of the fit window MVN', () => {
      const f = forecastDay('normal', at(fx.rows[0]), fitted, options, fx.levels);
      for (const c of fx.levels) {
        expectRelative(f.var[String(c)], fx.normal.var[String(c)], 1e-12, `normal VaR ${c}`);
        expectRelative(f.es[String(c)], fx.normal.es[String(c)], 1e-12, `normal ES ${c}`);
      }
    });

    it('ewma-t: fitted ν at every refit point to 1e-4, VaR/ES series to 1e-6', () => {
      for (const [cut, nu] of Object.entries(fx.ewmaT.df)) {
        const row = Number(cut);
        expect(Math.abs(ewmaTDf(at(row), fitted, fx.lambda) - nu)).toBeLessThan(1e-4);
      }
      series('ewma-t', 1e-6);
    });

    it('garch-t: ω, α, β, ν at every refit point to 1e-4 (ω relative), VaR/ES series to 1e-4', () => {
      for (const [cut, g] of Object.entries(fx.garchT)) {
        const { fit } = scheduledGarch(at(Number(cut)), fitted);
        expectRelative(fit.omega, g.omega, 1e-4, `omega at ${cut}`);
        expect(Math.abs(fit.alpha - g.alpha)).toBeLessThan(1e-4);
        expect(Math.abs(fit.beta - g.beta)).toBeLessThan(1e-4);
        expect(Math.abs(fit.df - g.df) / g.df).toBeLessThan(1e-4);
        expect(fit.backcast).toBeCloseTo(g.backcast, 15);
      }
      series('garch-t', 1e-4);
    });

    it('t: ECME μ, Ψ, ν to 1e-4 and log-likelihood to 1e-8; VaR/ES by quadrature vs scipy.quad to 1e-8', () => {
      const t = windowT(history, fitted);
      expect(Math.abs(t.df - fx.t.df)).toBeLessThan(1e-4);
      t.mu.forEach((m, j) => expect(Math.abs(m - fx.t.mu[j])).toBeLessThan(1e-4 * Math.sqrt(fx.t.dispersion[j][j])));
      t.dispersion.forEach((r, i) => r.forEach((v, j) => expectRelative(v, fx.t.dispersion[i][j], 1e-4, `Ψ ${i}${j}`)));
      expectRelative(t.logLik, fx.t.logLik, 1e-8, 'logLik');
      const f = forecastDay('t', at(fx.rows[0]), fitted, options, fx.levels);
      for (const c of fx.levels) {
        expectRelative(f.var[String(c)], fx.t.var[String(c)], 1e-8, `t VaR ${c}`);
        expectRelative(f.es[String(c)], fx.t.es[String(c)], 1e-8, `t ES ${c}`);
      }
    });
  });
}

describe('forecastDay contract', async () => {
  const { fx, fitted, at } = await loadCase('tech11');
  const row = fx.rows[0];

  it('every model answers every level with a positive VaR ≤ ES', () => {
    for (const m of MODEL_NAMES) {
      const f = forecastDay(m, at(row), fitted, { lambda: 0.94 }, fx.levels);
      for (const c of fx.levels) {
        expect(f.var[String(c)]).toBeGreaterThan(0);
        expect(f.es[String(c)]).toBeGreaterThanOrEqual(f.var[String(c)]);
      }
    }
  });

  it('uses only the rows it is given: a changed later row changes nothing, a changed last row changes ewma', () => {
    const h = at(row + 1);
    const before = forecastDay('ewma', at(row), fitted, { lambda: 0.94 }, [0.99]).var['0.99'];
    const copy = { ...h, portfolio: Float64Array.from(h.portfolio), factors: h.factors.map((c) => Float64Array.from(c)) };
    copy.portfolio[row] = -0.5; // row `row` is day t itself: not part of at(row)
    expect(forecastDay('ewma', { ...copy, dates: copy.dates.slice(0, row), portfolio: copy.portfolio.subarray(0, row), factors: copy.factors.map((c) => c.subarray(0, row)) }, fitted, { lambda: 0.94 }, [0.99]).var['0.99']).toBe(before);
    copy.factors[0][row - 1] = -0.2;
    expect(forecastDay('ewma', { ...copy, dates: copy.dates.slice(0, row), portfolio: copy.portfolio.subarray(0, row), factors: copy.factors.map((c) => c.subarray(0, row)) }, fitted, { lambda: 0.94 }, [0.99]).var['0.99']).not.toBe(before);
  });

  it('refuses a lookback longer than the history, naming the setting', () => {
    expect(() => forecastDay('hs', at(row), fitted, { lambda: 0.94, lookback: row + 1 }, [0.99])).toThrow(InputError);
    expect(() => forecastDay('hs', at(row), fitted, { lambda: 0.94, lookback: row + 1 }, [0.99])).toThrow(/setting "lookback"/);
    expect(() => forecastDay('fhs', at(row), fitted, { lambda: 0.94, lookback: row - 19 }, [0.99])).toThrow(
      new RegExp(`setting "lookback": ${row - 19} days is longer than the ${row - 20} days`),
    );
    expect(forecastDay('hs', at(row), fitted, { lambda: 0.94, lookback: row }, [0.99]).exact).toBe(true);
    expect(forecastDay('fhs', at(row), fitted, { lambda: 0.94, lookback: row - 20 }, [0.99]).exact).toBe(true);
  });
});
