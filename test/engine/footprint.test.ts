// The shard plan's memory, derived from its selection, fits the configured Lambda sizes at the largest N the settings
// allow; and the derivation agrees with what a real run ships.
import { describe, expect, it } from 'vitest';
import { expectedShipped, planFootprint } from '../../lambdas/engine/footprint.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { planShards, returnLaw, simulateShardPacked } from '../../lambdas/engine/simulate.ts';
import type { SimulationSettings } from '../../lambdas/engine/types.ts';
import { LEVELS, threeFactorModel } from '../support/models.ts';

const MB = 2 ** 20;
/** lib/compute.ts: Simulate 1,769 MB (one vCPU), Reduce 1,024 MB */
const SIMULATE_MB = 1769;
const REDUCE_MB = 1024;
const sim: SimulationSettings = {
  simulations: 1e9, shards: 1000, seed: 20240430, distribution: 'normal', df: null, residual: 'none', intercept: false, horizon: 1,
};

describe('plan footprint', () => {
  it('10^9 samples at 1,000 shards, three levels: Simulate and Reduce fit their Lambda memory with room to spare', () => {
    const f = planFootprint(planShards(threeFactorModel, sim, LEVELS));
    // O(√N) per level: a few hundred thousand pairs for the whole run, a few hundred per shard
    expect(f.shipped).toBeGreaterThan(100_000);
    expect(f.shipped).toBeLessThan(400_000);
    expect(f.shardShipped).toBeLessThan(1_000);
    expect(f.inline).toBe(true); // every partial inline in the state (< 200 KB of JSON)
    expect(f.simulateBytes).toBeLessThan(0.25 * SIMULATE_MB * MB);
    expect(f.reduceBytes).toBeLessThan(0.5 * REDUCE_MB * MB);
    expect(f.shipped * 12).toBeLessThan(64 * MB); // the bytes the issue allows for shipping
    // shards of 10^7 still fit the state: about 3,000 pairs, under 200 KB of JSON
    expect(planFootprint(planShards(threeFactorModel, { ...sim, shards: 100 }, LEVELS)).inline).toBe(true);
  });

  it('holds for t with ν near 2, at one shard of 10^9, and for a pilot-bracketed t model (2·10^8: its pilot is slow)', () => {
    for (const s of [
      { ...sim, distribution: 't' as const, df: 2.1 },
      { ...sim, shards: 1 },
      { ...sim, simulations: 2e8, distribution: 't' as const, df: 5, horizon: 2, residual: 'normal' as const },
    ]) {
      const f = planFootprint(planShards(threeFactorModel, s, LEVELS));
      expect(f.simulateBytes).toBeLessThan(0.5 * SIMULATE_MB * MB);
      expect(f.reduceBytes).toBeLessThan(0.5 * REDUCE_MB * MB);
    }
  });

  it('the expected shipped pairs match a real run within its margin (N = 10^6, 100 shards)', () => {
    const small = { ...sim, simulations: 1e6, shards: 100 };
    const plan = planShards(threeFactorModel, small, LEVELS);
    const r = reduceRisk(plan.map((d) => simulateShardPacked(d)), threeFactorModel, small, LEVELS);
    const expected = expectedShipped(plan[0].selection, returnLaw(threeFactorModel, small), small.simulations);
    expect(r.transfer.samplesShipped).toBeLessThanOrEqual(expected);
    expect(r.transfer.samplesShipped).toBeGreaterThan(0.9 * expected - 7 * Math.sqrt(expected));
  });
});
