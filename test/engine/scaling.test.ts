// Issue 6 property: scaling every return (portfolio and factors) by c > 0 leaves the screening unchanged and scales
// VaR, ES and their components by c. Exact in real arithmetic; here equal to floating-point rounding.
import { createReadStream } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { factorModel, fitModel } from '../../lambdas/engine/fit.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { simulationSettings } from '../../lambdas/engine/run.ts';
import { planShards } from '../../lambdas/engine/simulate.ts';
import { neededTail, TailMerger } from '../../lambdas/engine/tail.ts';
import type { ReturnsData } from '../../lambdas/engine/types.ts';
import { runShards } from '../../bin/cli/pool.ts';

const settings = parseSettings({ start: '2023-01-03', end: '2024-04-30', simulations: 20_000, shards: 3 });

async function risk(data: ReturnsData) {
  const fit = fitModel(data, settings);
  const model = factorModel(fit, data);
  const simulation = simulationSettings(settings);
  const merger = new TailMerger(simulation.simulations, neededTail(simulation.simulations, settings.confidence));
  await runShards(planShards(model, simulation, settings.confidence), merger, { workers: 0 });
  return { fit, reduced: reduceRisk(merger, model, simulation, settings.confidence) };
}

function scaled(data: ReturnsData, c: number): ReturnsData {
  return { ...data, y: data.y.map((v) => v * c), X: data.X.map((col) => col.map((v) => v * c)) };
}

describe('scale invariance', () => {
  it('scaling every return by c > 0 scales VaR, ES and attribution by c', async () => {
    const data = await readReturns(createReadStream('data/tech11.csv'), 'data/tech11.csv', settings);
    const base = await risk(data);
    await fc.assert(
      fc.asyncProperty(fc.double({ min: 0.01, max: 100, noNaN: true }), async (c) => {
        const { fit, reduced } = await risk(scaled(data, c));
        expect(fit.selected).toEqual(base.fit.selected);
        for (const [level, r] of Object.entries(base.reduced.risk)) {
          const s = reduced.risk[level];
          for (const key of ['var', 'es', 'analyticVar', 'analyticEs'] as const) {
            expect(Math.abs(s[key] - c * r[key])).toBeLessThan(1e-9 * c * Math.abs(r[key]));
          }
        }
        for (const [factor, a] of Object.entries(base.reduced.attribution)) {
          const b = reduced.attribution[factor];
          expect(Math.abs(b.componentEs - c * a.componentEs)).toBeLessThan(1e-9 * c * Math.abs(a.componentEs) + 1e-15);
        }
      }),
      { numRuns: 6, seed: 7 },
    );
  });
});
