import { describe, expect, it } from 'vitest';
import { compareModels, type Forecaster } from '../../lambdas/engine/backtest/compare.ts';
import { comparisonSection } from '../../lambdas/report/comparison.ts';

/** normal VaR/ES with the sd of the last `window` returns (scaled): a stand-in model that reads only the history */
function toy(window: number, scale: number): Forecaster {
  return (_m, h, _f, _o, levels) => {
    const x = h.portfolio.subarray(h.portfolio.length - window);
    const sd = scale * Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const z: Record<string, number> = { '0.99': 2.326, '0.975': 1.96, '0.95': 1.645 };
    return { var: Object.fromEntries(levels.map((c) => [String(c), z[String(c)] * sd])), es: Object.fromEntries(levels.map((c) => [String(c), 1.2 * z[String(c)] * sd])), exact: true };
  };
}

describe('comparisonSection', () => {
  const n = 400;
  const portfolio = Float64Array.from({ length: n }, (_, t) => 0.01 * Math.sin(t * 1.7) * (t % 37 === 0 ? 4 : 1));
  const history = { dates: Array.from({ length: n }, (_, t) => new Date(Date.UTC(2024, 0, 1) + t * 86_400_000).toISOString().slice(0, 10)), portfolio, factors: [portfolio], factorNames: ['F'] };
  const models: Record<string, Forecaster> = { tight: toy(50, 0.5), 'wide<x>': toy(50, 3) };
  const cmp = compareModels({
    history,
    first: 150,
    fitted: { factors: ['F'], beta: [1], alpha: 0, residualVariance: 0, fitStart: 0, fitEnd: 150 },
    options: { lambda: 0.94 },
    models: Object.keys(models),
    levels: [0.99, 0.95],
    forecast: (m, ...rest) => models[m](m, ...rest),
  });
  const section = comparisonSection(cmp);
  const html = section.html;

  it('has one table row and one chart per model, in ranking order, names escaped', () => {
    expect(section).toMatchObject({ id: 'model-comparison', title: 'Model comparison' });
    expect(section.verdict!.ok).toBe(cmp.recommended !== null);
    expect(html.match(/<tbody>.*<\/tbody>/s)![0].match(/<tr/g)).toHaveLength(2);
    expect(html).toContain('id="chart-compare-tight"');
    expect(html).toContain('id="chart-compare-wide_x_"');
    expect(html).toContain('wide&lt;x&gt;');
    expect(html).not.toContain('wide<x>');
    const order = cmp.ranking.map((r) => r.model === 'tight' ? 'chart-compare-tight' : 'chart-compare-wide_x_');
    expect(html.indexOf(order[0])).toBeLessThan(html.indexOf(order[1]));
  });

  it('marks exactly the exceptions of each model', () => {
    for (const [model, id] of [['tight', 'chart-compare-tight'], ['wide<x>', 'chart-compare-wide_x_']] as const) {
      const figure = html.slice(html.indexOf(`id="${id}"`), html.indexOf('</figure>', html.indexOf(`id="${id}"`)));
      expect((figure.match(/class="exception"/g) ?? []).length).toBe(cmp.models[model].levels['0.99'].exceptions);
    }
    expect(cmp.models.tight.levels['0.99'].exceptions).toBeGreaterThan(0);
  });
});
