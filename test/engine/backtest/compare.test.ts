import { describe, expect, it } from 'vitest';
import { compareModels, comparisonLevels, type Forecaster } from '../../../lambdas/engine/backtest/compare.ts';
import type { ModelHistory } from '../../../lambdas/engine/models/index.ts';

const Z = { '0.99': 2.3263478740408408, '0.975': 1.959963984540054, '0.95': 1.6448536269514722 };
const PHI_OVER = { '0.99': 2.6652142203457833, '0.975': 2.3378027922506, '0.95': 2.0627128075074257 }; // φ(z)/(1 − c)

/** a toy model reading every row it is given: normal with the sd of the last `window` portfolio returns */
function toy(window: number, scale = 1, mc = false): Forecaster {
  return (_model, h, _fitted, _options, levels) => {
    const x = h.portfolio.subarray(Math.max(0, h.portfolio.length - window));
    const sd = scale * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const out = { var: {} as Record<string, number>, es: {} as Record<string, number>, exact: !mc, varCi: mc ? ({} as Record<string, [number, number]>) : undefined };
    for (const c of levels) {
      const k = String(c) as keyof typeof Z;
      out.var[k] = Z[k] * sd;
      out.es[k] = PHI_OVER[k] * sd;
      if (out.varCi) out.varCi[k] = [out.var[k] * 0.97, out.var[k] * 1.03];
    }
    return out;
  };
}

function history(n: number, seed = 7): ModelHistory {
  let s = seed;
  const u = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const portfolio = new Float64Array(n);
  const f = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    const vol = t > 300 && t < 330 ? 0.03 : 0.01; // a volatile stretch so that the models differ
    const g = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    portfolio[t] = vol * g;
    f[t] = 0.8 * portfolio[t];
  }
  const dates = Array.from({ length: n }, (_, t) => new Date(Date.UTC(2023, 0, 2) + t * 86_400_000).toISOString().slice(0, 10));
  return { dates, portfolio, factors: [f], factorNames: ['SPY'] };
}

const fitted = { factors: ['SPY'], beta: [1.2], alpha: 0, residualVariance: 1e-5, fitStart: 0, fitEnd: 200 };
const options = { lambda: 0.94 };
const forecasters: Record<string, Forecaster> = { fast: toy(20), slow: toy(250), loose: toy(20, 2), noisy: toy(20, 1, true) };
const forecast: Forecaster = (m, ...rest) => forecasters[m](m, ...rest);

describe('compareModels', () => {
  const h = history(500);
  const cmp = compareModels({ history: h, first: 250, fitted, options, models: ['fast', 'slow', 'loose', 'noisy'], levels: [0.99, 0.95], forecast });

  it('forecasts day t from rows before t only: perturbing day t changes no forecast up to t', () => {
    const t = 310;
    const bumped = history(500);
    bumped.portfolio[t] = -0.5;
    bumped.factors[0][t] = 0.3;
    const again = compareModels({ history: bumped, first: 250, fitted, options, models: ['fast'], levels: [0.99, 0.95], forecast });
    const i = t - 250;
    for (let j = 0; j <= i; j++) expect(again.models.fast.series[j].var).toEqual(cmp.models.fast.series[j].var);
    expect(again.models.fast.series[i].return).toBe(-0.5);
    expect(again.models.fast.series[i + 1].var['0.99']).not.toBe(cmp.models.fast.series[i + 1].var['0.99']);
  });

  it('gives every model the same days, all statistics, capital and the series', () => {
    expect(Object.keys(cmp.models)).toEqual(['fast', 'slow', 'loose', 'noisy']);
    expect(comparisonLevels([0.99, 0.95])).toEqual([0.99, 0.95, 0.975]);
    for (const m of Object.values(cmp.models)) {
      expect(Object.keys(m.levels)).toEqual(['0.99', '0.95', '0.975']);
      expect(m.series).toHaveLength(250);
      expect(m.series[0].date).toBe(h.dates[250]);
      const l = m.levels['0.99'];
      expect(l.exceptions).toBe(m.series.filter((d) => d.return < -d.var['0.99']).length);
      expect(l.dq).not.toBeNull();
      expect(m.meanVar).toBeCloseTo(m.series.reduce((s, d) => s + d.var['0.99'], 0) / 250, 15);
      expect(m.capital).toBeCloseTo((3 + m.plusFactor) * m.meanVar, 15);
      expect(m.es.z2.exceptions).toBe(m.levels['0.975'].exceptions);
    }
    // twice the sd: fewer exceptions, higher capital per unit of multiplier
    expect(cmp.models.loose.meanVar).toBeCloseTo(2 * cmp.models.fast.meanVar, 12);
    expect(cmp.models.loose.levels['0.99'].exceptions).toBeLessThanOrEqual(cmp.models.fast.levels['0.99'].exceptions);
    expect(JSON.parse(JSON.stringify(cmp.models.fast))).toEqual(cmp.models.fast);
  });

  it('ranks eligible models by capital and names the first one', () => {
    const eligible = cmp.ranking.filter((r) => r.eligible);
    expect(cmp.ranking.slice(0, eligible.length)).toEqual(eligible);
    for (let i = 1; i < eligible.length; i++) expect(eligible[i].capital).toBeGreaterThanOrEqual(eligible[i - 1].capital);
    expect(cmp.recommended).toBe(eligible[0]?.model ?? null);
    for (const r of cmp.ranking) expect(r.capital).toBe(cmp.models[r.model].capital);
  });

  it('marks the exceptions a Monte Carlo VaR interval could undo, and only for Monte Carlo models', () => {
    expect(cmp.models.fast.exact).toBe(true);
    expect(cmp.models.fast.levels['0.99'].exceptionsWithinCi).toBeUndefined();
    const noisy = cmp.models.noisy;
    expect(noisy.exact).toBe(false);
    const byDate = new Map(noisy.series.map((d) => [d.date, d]));
    const within = noisy.levels['0.99'].exceptionsWithinCi!;
    for (const d of noisy.levels['0.99'].exceptionDates) {
      const day = byDate.get(d)!;
      expect(within.includes(d)).toBe(day.return >= -day.var['0.99'] * 1.03);
    }
  });
});
