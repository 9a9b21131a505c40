// The history page's pure parts: which later upload reveals a run's next day, exceptions, model-change markers,
// escaping, and the page's charts and table for hand-made entries.
import { describe, expect, it } from 'vitest';
import { realizedReturns, type HistoryEntry } from '../../lambdas/report/history-entry.ts';
import { renderHistory } from '../../lambdas/report/history.ts';
import { renderIndex } from '../../lambdas/report/portfolio-index.ts';

function entry(runId: string, end: string, v: number, returns: Array<[string, number]>, modelSettings: Record<string, unknown> = { seed: 1 }): HistoryEntry {
  return {
    runId,
    portfolioId: 'p',
    createdAt: `${end}T22:00:00.000Z`,
    input: { bucket: 'b', key: `uploads/p/${end}.csv` },
    window: { start: '2024-01-02', end },
    observations: 10,
    model: 'factor',
    modelSettings,
    simulation: { simulations: 1000, shards: 1, seed: 1, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1 },
    selected: ['A'],
    risk: { '0.99': { var: v, es: v * 1.2 }, '0.95': { var: v * 0.7, es: v * 0.9 } },
    attribution: { A: v * 0.8, B: v * 0.3, C: -v * 0.1 },
    warnings: [],
    returns: { dates: returns.map(([d]) => d), values: returns.map(([, r]) => r) },
  };
}

// run 1 ends 01-05; run 2's data holds 01-08 (the next trading day) = −3 %: beyond 99 % VaR 2.5 % and 95 % 1.75 %
// run 2 ends 01-09; run 3's data holds 01-10 = −2 %: beyond the 95 % VaR only (2.6·0.7 = 1.82 %)
const e1 = entry('r1', '2024-01-05', 0.025, [['2024-01-04', 0.01], ['2024-01-05', -0.002]]);
const e2 = entry('r2', '2024-01-09', 0.026, [['2024-01-05', -0.002], ['2024-01-08', -0.03], ['2024-01-09', 0.004]]);
const e3 = entry('r3', '2024-01-11', 0.024, [['2024-01-09', 0.004], ['2024-01-10', -0.02], ['2024-01-11', 0.001]], { seed: 2 });
// a series that starts after run 1's window proves nothing about the day right after it
const gap = entry('g', '2024-01-20', 0.02, [['2024-01-19', -0.5], ['2024-01-20', 0]]);

describe('realizedReturns', () => {
  it('takes the first day after each window from a later run, with the levels it breaches', () => {
    const r = realizedReturns([e1, e2, e3]);
    expect(r.get('r1')).toEqual({ date: '2024-01-08', return: -0.03, exceptions: ['0.99', '0.95'] });
    expect(r.get('r2')).toEqual({ date: '2024-01-10', return: -0.02, exceptions: ['0.95'] });
    expect(r.has('r3')).toBe(false);
  });
  it('ignores a later series that starts after the window, and runs with a longer horizon', () => {
    expect(realizedReturns([e1, gap]).has('r1')).toBe(false);
    const tenDay = { ...e1, simulation: { ...e1.simulation, horizon: 10 } };
    expect(realizedReturns([tenDay, e2]).has('r1')).toBe(false);
  });
});

describe('renderHistory', () => {
  const html = renderHistory('p', [e3, e1, e2], { reportHref: (e) => `../${e.runId}.html` });
  it('draws the three charts, one point per run/level/measure, the realized points and one model-change marker', () => {
    for (const id of ['chart-var-history', 'chart-attribution-history', 'chart-realized']) expect(html).toContain(`<figure class="chart" id="${id}">`);
    expect(html.match(/class="point"/g)).toHaveLength(3 * 2 * 2);
    expect(html.match(/<circle class="realized exception"/g)).toHaveLength(2);
    // run 3's seed differs from run 2's: one line and one dot
    expect(html.match(/<circle class="model-change"/g)).toHaveLength(1);
    // stacked attribution: 3 segments per run
    expect(html.match(/class="segment"/g)).toHaveLength(9);
    expect(html).not.toMatch(/<script|https?:\/\/|@import|url\((?!#)/i);
  });
  it('lists the runs newest first, each linked to its report', () => {
    const links = [...html.matchAll(/<a href="([^"]+)" title="([^"]+)"/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([['../r3.html', 'r3'], ['../r2.html', 'r2'], ['../r1.html', 'r1']]);
    expect(html).toContain('-3.00% <span class="bad">exception</span>');
  });
  it('escapes the portfolio id and every name from the data', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const bad = { ...e1, model: evil, attribution: { [evil]: 0.01 } };
    const page = renderHistory(evil, [bad], { reportHref: () => undefined });
    const index = renderIndex([{ portfolioId: evil, historyHref: 'x', latest: bad }]);
    for (const h of [page, index]) {
      expect(h).not.toContain('<img');
      expect(h).toContain('&lt;img src=x onerror=alert(1)&gt;');
    }
  });
});
