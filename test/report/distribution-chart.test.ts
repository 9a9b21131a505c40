// The report's distribution chart names the curve it draws truthfully: the model's exact closed form only where one
// exists, "normal approximation" where the run's levels say `analytic: "approximation"`, and no curve at all for an
// hs/fhs enumeration, whose scenario histogram is the exact distribution. Real runs of the sample (in process).
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../bin/cli/run.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { dailyMoments } from '../../lambdas/engine/simulate.ts';
import type { RunResult } from '../../lambdas/engine/types.ts';
import { referenceCurve } from '../../lambdas/report/distribution-chart.ts';
import { renderReport } from '../../lambdas/report/report.ts';

const csv = fileURLToPath(new URL('../../data/tech11.csv', import.meta.url));
const window = { start: '2023-01-03', end: '2024-04-30' };

async function run(settings: Record<string, unknown>): Promise<RunResult> {
  return runLocal(csv, parseSettings({ ...window, ...settings }), 0, false);
}

/** The distribution chart's <figure> and the Value at Risk section's table. */
function parts(html: string): { chart: string; table: string; section: string } {
  const chart = /<figure class="chart" id="chart-distribution">[\s\S]*?<\/figure>/.exec(html)![0];
  const section = /<section[^>]*id="risk"[\s\S]*?<\/section>/.exec(html)![0];
  const table = /<table>[\s\S]*?<\/table>/.exec(section)![0];
  return { chart, table, section };
}

/** The z-score column (6th cell) of each level's row. */
function zScores(table: string): string[] {
  return [...table.matchAll(/<tr><th scope="row">[^<]*<\/th>(?:<td>[^<]*<\/td>){4}<td>([^<]*)<\/td>/g)].map((m) => m[1]);
}

const CURVE = 'stroke="#222" stroke-width="2"';

describe('distribution chart: one name per concept for the curve against the histogram', () => {
  it('hs at one day: the 250 scenario days only — no normal curve, no closed-form label, no z-score', async () => {
    const r = await run({ model: 'hs' });
    expect(r.simulation.exact).toBe(true);
    expect(referenceCurve(r)).toBeUndefined();
    const { chart, table, section } = parts(renderReport(r));
    expect(chart).not.toContain(CURVE);
    expect(chart).not.toMatch(/closed form|normal approximation/);
    expect(chart).toContain('scenario days (250)');
    expect(chart).toContain('Scenario return distribution');
    expect(chart).toContain('% of scenarios per');
    expect(chart).toContain('no Monte Carlo and no fitted curve');
    // the histogram holds every scenario: the bars are drawn
    expect(r.histogram!.counts.reduce((a, b) => a + b, 0)).toBe(250);
    expect(chart).toContain('class="bar"');
    expect(zScores(table)).toEqual(['—', '—', '—']);
    expect(section).toContain('Cross-check: exact enumeration of the 250 scenarios: no Monte Carlo.');
    expect(section).toContain('Exact: the VaR and ES enumerate the 250 scenario days');
  });

  it('fhs over 10 days: the curve is the normal approximation (the levels\' analytic), with no z-score against it', async () => {
    const r = await run({ model: 'fhs', horizon: 10, simulations: 20_000 });
    expect(Object.values(r.risk).every((l) => l.analytic === 'approximation')).toBe(true);
    const { chart, table, section } = parts(renderReport(r));
    expect(chart).toContain(CURVE);
    expect(chart).toContain('normal approximation');
    expect(chart).not.toContain('closed form');
    expect(chart).toContain('simulated (20,000)');
    expect(zScores(table)).toEqual(['—', '—', '—']);
    expect(table).toContain('Normal approximation VaR');
    expect(section).toContain('no z-score is computed against it');
  });

  it('normal and ewma keep the normal closed form with its z-score; t plus residual draws the exact mixture density', async () => {
    for (const model of ['normal', 'ewma']) {
      const r = await run({ model, simulations: 20_000 });
      const { chart, table } = parts(renderReport(r));
      expect(chart).toContain('closed form (normal)');
      for (const z of zScores(table)) expect(Math.abs(Number(z))).toBeLessThan(4);
    }
    const t = await run({ model: 't', simulations: 20_000 });
    const curve = referenceCurve(t)!;
    expect(curve.label).toBe(`closed form (t, ${t.simulation.df} df, + normal residual)`);
    expect(parts(renderReport(t)).chart).toContain(curve.label);
    // the density checked by integration: mass 1, the model's variance, fatter tails than the normal, and its own
    // closed-form VaR as the 1 % quantile
    // (midpoint rule on cells with an edge at −VaR, ±25 sd: each density value is a 1-D quadrature, so few points)
    const { mean, variance } = dailyMoments(t.model, t.simulation);
    const sd = Math.sqrt(variance);
    const edge = -t.risk['0.99'].analyticVar;
    const step = sd / 40;
    let mass = 0, m2 = 0, m4 = 0, below = 0;
    for (let i = -Math.ceil((edge - mean + 25 * sd) / step); i < Math.ceil((mean + 25 * sd - edge) / step); i++) {
      const x = edge + (i + 0.5) * step;
      const f = curve.density(x) * step;
      mass += f;
      m2 += f * (x - mean) ** 2;
      m4 += f * (x - mean) ** 4;
      if (i < 0) below += f;
    }
    expect(mass).toBeCloseTo(1, 5);
    expect(m2 / variance).toBeCloseTo(1, 3);
    expect(m4 / variance ** 2).toBeGreaterThan(3.5);
    expect(below).toBeCloseTo(0.01, 5);
  });
});
