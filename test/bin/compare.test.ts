import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import { afterAll, describe, expect, it } from 'vitest';
import { formatComparison, runComparison, type CompareOptions } from '../../bin/cli/compare.ts';
import { InputError } from '../../lambdas/engine/types.ts';

// The bundled sample: in-sample 2023-01-03 … 2024-04-30 (333 returns), out-of-sample 2024-05-01 … 2025-09-25 (352).
const csv = fileURLToPath(new URL('../../data/tech11.csv', import.meta.url));
const base: CompareOptions = { inSample: '2023-01-03:2024-04-30', outOfSample: '2024-05-01:2025-09-25', models: 'normal,ewma,fhs' };
const tmp = mkdtempSync(join(tmpdir(), 'varstream-compare-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('varstream backtest --models (in process)', async () => {
  const { comparison: c } = await runComparison(csv, base);

  it('backtests every model on the same 352 days with every statistic', () => {
    expect(Object.keys(c.models)).toEqual(['normal', 'ewma', 'fhs']);
    expect(c.outOfSample).toEqual({ start: '2024-05-01', end: '2025-09-25', observations: 352 });
    expect(c.inSample).toEqual({ start: '2023-01-03', end: '2024-04-30', observations: 333 });
    for (const m of Object.values(c.models)) {
      expect(m.exact).toBe(true);
      expect(m.series).toHaveLength(352);
      expect(Object.keys(m.levels)).toEqual(['0.99', '0.975', '0.95']);
      for (const k of Object.keys(m.levels)) {
        const l = m.levels[k];
        expect(l.exceptionDates).toEqual(m.series.filter((d) => d.return < -d.var[k]).map((d) => d.date));
        expect(Object.keys(l)).toEqual(expect.arrayContaining(['exceptions', 'rate', 'kupiec', 'christoffersen', 'conditionalCoverage', 'trafficLight', 'exceptionDates', 'dq', 'duration']));
      }
      expect(m.capital).toBeCloseTo((3 + m.plusFactor) * m.meanVar, 15);
    }
  });

  it('the static normal forecast is the closed form of the in-sample fit on every day', () => {
    const normal = c.models.normal;
    const v99 = normal.series[0].var['0.99'];
    const v95 = normal.series[0].var['0.95'];
    expect(normal.series.every((d) => d.var['0.99'] === v99)).toBe(true);
    // VaR_c = z_c·σ − m: two levels give σ and m, a third must agree
    const sigma = (v99 - v95) / (normalQuantile(0.99, 0, 1) - normalQuantile(0.95, 0, 1));
    const m = normalQuantile(0.99, 0, 1) * sigma - v99;
    expect(normal.series[0].var['0.975']).toBeCloseTo(normalQuantile(0.975, 0, 1) * sigma - m, 14);
    // the README's Monte Carlo VaR 3.07 % (10,000 draws) against this closed form
    expect(v99).toBeGreaterThan(0.03);
    expect(v99).toBeLessThan(0.032);
    expect(normal.levels['0.99'].dq!.df).toBe(5); // a constant VaR coincides with the regression's constant
  });

  it('puts EWMA and FHS in the green zone at 99 % where the static normal model is red', () => {
    expect(c.models.normal.levels['0.99'].trafficLight.zone).toBe('red');
    expect(c.models.ewma.levels['0.99'].trafficLight.zone).toBe('green');
    expect(c.models.fhs.levels['0.99'].trafficLight.zone).toBe('green');
    expect(c.ranking.map((r) => r.model).sort()).toEqual(['ewma', 'fhs', 'normal']);
    expect(formatComparison({ comparison: c, elapsed: 1 })).toContain('capital');
  });

  it('uses no data of day t for day t: changing a tested day’s row leaves its own forecast unchanged', async () => {
    const lines = readFileSync(csv, 'utf8').split('\n');
    const i = lines.findIndex((l) => l.startsWith('2025-04-03,'));
    const cells = lines[i].split(',');
    const changed = [...lines];
    changed[i] = [cells[0], ...cells.slice(1).map((x) => String(Number(x) * 3 - 0.05))].join(',');
    const file = join(tmp, 'bumped.csv');
    writeFileSync(file, changed.join('\n'));
    const { comparison: d } = await runComparison(file, base);
    for (const model of ['ewma', 'fhs']) {
      const a = c.models[model].series, b = d.models[model].series;
      const t = a.findIndex((x) => x.date === '2025-04-03');
      for (let j = 0; j <= t; j++) expect(b[j].var).toEqual(a[j].var);
      expect(b[t].return).not.toBe(a[t].return);
      expect(b[t + 1].var['0.99']).not.toBe(a[t + 1].var['0.99']);
    }
  });

  it('refuses unknown models and bad model settings with the flag named', async () => {
    await expect(runComparison(csv, { ...base, models: 'normal,garch' })).rejects.toThrow(InputError);
    await expect(runComparison(csv, { ...base, models: 'normal,garch' })).rejects.toThrow(/--models: unknown model "garch"/);
    await expect(runComparison(csv, { ...base, lambda: '1' })).rejects.toThrow(/--lambda/);
    await expect(runComparison(csv, { ...base, lookback: '5' })).rejects.toThrow(/--lookback/);
    await expect(runComparison(csv, { ...base, lookback: '5000' })).rejects.toThrow(/lookback/);
    await expect(runComparison(csv, { ...base, window: '250' })).rejects.toThrow(/--window/);
  });
});
