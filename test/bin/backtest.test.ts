import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatBacktest, runBacktest, type BacktestOptions } from '../../bin/cli/backtest.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { factorModel, fitModel } from '../../lambdas/engine/fit.ts';
import { simulationSettings } from '../../lambdas/engine/run.ts';
import { SampleGenerator } from '../../lambdas/engine/simulate.ts';
import { loadReturns } from '../../bin/cli/common.ts';

// The bundled sample: in-sample 2023-01-03 … 2024-04-30 (333 returns), out-of-sample 2024-05-01 … 2025-09-25 (352).
const csv = fileURLToPath(new URL('../../data/tech11.csv', import.meta.url));
const base: BacktestOptions = { inSample: '2023-01-03:2024-04-30', outOfSample: '2024-05-01:2025-09-25', simulations: '2000' };
const tmp = mkdtempSync(join(tmpdir(), 'varstream-backtest-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('varstream backtest (in process)', () => {
  it('applies the in-sample Monte Carlo VaR to every out-of-sample day', async () => {
    const report = join(tmp, 'report.html');
    const { run, backtest, series } = await runBacktest(csv, { ...base, report });
    expect(run.observations).toBe(333);
    expect(run.selected).toEqual(['XLK', 'MTUM', 'VLUE']);
    expect(backtest.inSample).toEqual({ start: '2023-01-03', end: '2024-04-30', observations: 333 });
    expect(backtest.outOfSample).toEqual({ start: '2024-05-01', end: '2025-09-25', observations: 352 });
    expect(Object.keys(backtest.levels)).toEqual(['0.99', '0.975', '0.95']);
    for (const [k, l] of Object.entries(backtest.levels)) {
      const v = run.risk[k].var;
      // Monte Carlo VaR of the normal model within a few standard errors of its closed form
      expect(Math.abs(v - run.risk[k].analyticVar)).toBeLessThan(4 * run.risk[k].standardError);
      expect(series.var[k].every((x) => x === v)).toBe(true);
      const hits = series.returns.map((r) => r < -v);
      expect(l.exceptions).toBe(hits.filter(Boolean).length);
      expect(l.exceptionDates).toEqual(series.dates.filter((_, i) => hits[i]));
      expect(l.trafficLight.exceptions).toBe(hits.slice(-250).filter(Boolean).length);
    }
    // a model fitted on calm 2023 misses the April 2025 sell-off: far more exceptions than 1%
    expect(backtest.levels['0.99'].exceptions).toBeGreaterThan(10);
    expect(backtest.levels['0.99'].kupiec.pValue).toBeLessThan(0.001);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="chart-backtest"');
    expect(html).toContain('simulated (2,000)');
    // the report says which exceptions the Monte Carlo interval could undo, per level
    const within = backtest.levels['0.99'].exceptionsWithinCi!;
    expect(html).toContain(`Exceptions inside the VaR's 95% Monte Carlo interval, which simulation noise alone could undo — 99%: ${within.length} of ${backtest.levels['0.99'].exceptions} (${within.join(', ')});`);
    const text = formatBacktest({ run, backtest, series });
    expect(text).toContain('out-of-sample 2024-05-01..2025-09-25 (352 days)');
    expect(text).toMatch(/^99%\s+\d\.\d\d%\s+\d+\/352/m);
  });

  it('re-fits every S days on the W days before the day', async () => {
    const { backtest, series } = await runBacktest(csv, { ...base, window: '250', step: '100' });
    const rolling = backtest.rolling!;
    expect(rolling.window).toBe(250);
    expect(rolling.refits.length).toBe(Math.ceil(352 / 100));
    expect(rolling.refits[0]).toMatchObject({ date: '2024-05-01', end: '2024-04-30' });
    expect(rolling.refits[1].date).toBe(series.dates[100]);
    expect(rolling.refits[1].end).toBe(series.dates[99]);
    // the VaR changes only on re-estimation days
    const refitDays = new Set(rolling.refits.map((r) => r.date));
    series.var['0.99'].forEach((v, i) => {
      if (i > 0 && !refitDays.has(series.dates[i])) expect(v).toBe(series.var['0.99'][i - 1]);
    });
    expect(new Set(series.var['0.99']).size).toBe(rolling.refits.length);
  });

  it('tests an out-of-sample window shorter than the factor count + 2 (the fit rule is not the tested days\' rule)', async () => {
    // 7 candidate factors, 5 tested days: the reader's n ≥ k + 2 used to refuse this window
    const { run, backtest, series } = await runBacktest(csv, { ...base, outOfSample: '2024-05-01:2024-05-07' });
    expect(backtest.outOfSample).toEqual({ start: '2024-05-01', end: '2024-05-07', observations: 5 });
    expect(series.dates).toEqual(['2024-05-01', '2024-05-02', '2024-05-03', '2024-05-06', '2024-05-07']);
    // the same days as in the long window, so the same returns
    const long = await runBacktest(csv, base);
    expect(series.returns).toEqual(long.series.returns.slice(0, 5));
    expect(run.histogram?.counts.reduce((a, b) => a + b, 0)).toBe(2000);
    await expect(runBacktest(csv, { ...base, outOfSample: '2025-09-27:2025-09-30' })).rejects.toThrow(/no day in the out-of-sample window/);
  });

  it('refuses bad windows as input errors', async () => {
    await expect(runBacktest(csv, { ...base, inSample: '2023-01-03:2024-13-30' })).rejects.toThrow(InputError);
    await expect(runBacktest(csv, { ...base, inSample: '2023-01-03' })).rejects.toThrow(/START:END/);
    await expect(runBacktest(csv, { ...base, outOfSample: '2024-04-01:2025-09-25' })).rejects.toThrow(/not after the in-sample end/);
    await expect(runBacktest(csv, { ...base, window: '5000' })).rejects.toThrow(/only \d+ days before 2024-05-01/);
    await expect(runBacktest(csv, { ...base, start: '2023-01-03' })).rejects.toThrow(/--in-sample and --out-of-sample/);
    // a config's model other than the paper's is not silently backtested as the normal model
    const config = join(tmp, 'ewma.json');
    writeFileSync(config, '{"model": "ewma"}');
    await expect(runBacktest(csv, { ...base, config })).rejects.toThrow(`${config}:1:1: setting "model": the single-model backtest tests the static normal model; backtest ewma with --models ewma`);
  });

  describe('exceptions inside the VaR\'s Monte Carlo interval (exceptionsWithinCi), against the interval recomputed from all samples', () => {
    const N = 2000;
    /**
     * The 95 % interval of the VaR of N samples of the normal factor model fitted on [start, end], computed here: every
     * sample regenerated and sorted, the order statistics at ranks Nq ∓ 1.96·√(Nq(1 − q)) (1-based, rounded outward).
     */
    async function interval(start: string, end: string, level: number): Promise<[number, number]> {
      const settings = parseSettings({ start, end, simulations: N });
      const data = await loadReturns(csv, settings);
      const model = factorModel(fitModel(data, settings), data);
      const x = new Float64Array(N);
      new SampleGenerator(model, simulationSettings(settings)).fill(0, N, x);
      x.sort();
      const q = 1 - level;
      const half = 1.96 * Math.sqrt(N * q * (1 - q));
      return [-x[Math.ceil(N * q + half) - 1], -x[Math.floor(N * q - half) - 1]];
    }

    it('the static in-sample VaR: every exception flagged exactly when its return is ≥ −(upper end), at every level', async () => {
      const { backtest, series } = await runBacktest(csv, base);
      let inside = 0, outside = 0;
      for (const [k, l] of Object.entries(backtest.levels)) {
        const ci = await interval('2023-01-03', '2024-04-30', Number(k));
        expect(series.var[k][0]).toBeGreaterThanOrEqual(ci[0]);
        expect(series.var[k][0]).toBeLessThanOrEqual(ci[1]);
        const expected = l.exceptionDates.filter((d) => series.returns[series.dates.indexOf(d)] >= -ci[1]);
        expect(l.exceptionsWithinCi).toEqual(expected);
        inside += expected.length;
        outside += l.exceptions - expected.length;
      }
      // the check can fail both ways: some exceptions lie inside the interval, some beyond it (7 of 17 at 99 %)
      expect(inside).toBeGreaterThan(0);
      expect(outside).toBeGreaterThan(0);
      expect(formatBacktest(await runBacktest(csv, base))).toMatch(/^\d+ exception\(s\) at 99% inside the VaR's Monte Carlo interval: 2024-/m);
    });

    it('rolling re-estimation: each day is judged against the interval of the refit its VaR came from', async () => {
      const { backtest, series } = await runBacktest(csv, { ...base, window: '250', step: '100', confidence: '0.99' });
      const refits = backtest.rolling!.refits;
      const l = backtest.levels['0.99'];
      const expected: string[] = [];
      for (let j = 0; j < refits.length; j++) {
        const ci = await interval(refits[j].start, refits[j].end, 0.99);
        const from = series.dates.indexOf(refits[j].date);
        const to = j + 1 < refits.length ? series.dates.indexOf(refits[j + 1].date) : series.dates.length;
        for (let i = from; i < to; i++) if (series.returns[i] < -series.var['0.99'][i] && series.returns[i] >= -ci[1]) expected.push(series.dates[i]);
      }
      expect(l.exceptionsWithinCi).toEqual(expected);
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(l.exceptions);
    });
  });
});
