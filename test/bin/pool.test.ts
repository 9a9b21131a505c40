import { describe, expect, it } from 'vitest';
import { localShardCount, runShards } from '../../bin/cli/pool.ts';
import { planShards } from '../../lambdas/engine/simulate.ts';
import { reduceRisk } from '../../lambdas/engine/risk.ts';
import { neededTail, TailMerger } from '../../lambdas/engine/tail.ts';
import type { SimulationSettings } from '../../lambdas/engine/types.ts';
import { LEVELS, threeFactorModel } from '../support/models.ts';

const model = threeFactorModel;
const confidence = LEVELS;
const base: SimulationSettings = {
  simulations: 60_000, shards: 1, seed: 7, distribution: 't', df: 6, residual: 'normal', intercept: true, horizon: 2,
};

async function run(shards: number, workers: number, seed = base.seed) {
  const sim = { ...base, shards, seed };
  const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, confidence));
  let last = 0;
  await runShards(planShards(model, sim, confidence), merger, { workers, onProgress: (done) => (last = done) });
  expect(last).toBe(sim.simulations);
  // the reported shard count is not part of the numbers; what travelled is (bytes grow with the shard count)
  const { transfer, ...numbers } = reduceRisk(merger, model, { ...sim, shards: 1 }, confidence, { value: 1e6, shocks: [{ XLK: -0.1 }] });
  expect(transfer.passes).toBe(1);
  return { ...numbers, samplesShipped: transfer.samplesShipped };
}

describe('local worker pool', () => {
  it('gives bit-identical risk for shards 1, 7, 64 and workers 0, 1, 2; another seed differs', async () => {
    const reference = await run(1, 0);
    expect(await run(7, 1)).toEqual(reference);
    expect(await run(64, 2)).toEqual(reference);
    expect(await run(7, 2)).toEqual(reference);
    const other = await run(7, 2, 8);
    expect(other.risk['0.99'].var).not.toBe(reference.risk['0.99'].var);
  });

  it('rejects when a worker fails (non positive definite covariance)', async () => {
    const bad = { ...model, cov: [[1, 2, 0], [2, 1, 0], [0, 0, 1]] };
    // normal: planning needs no samples (a t model's pilot would already fail in planShards)
    const sim = { ...base, shards: 2, distribution: 'normal' as const, df: null };
    const merger = new TailMerger(sim.simulations, neededTail(sim.simulations, confidence));
    await expect(runShards(planShards(bad, sim, confidence), merger, { workers: 2 })).rejects.toThrow(/positive definite/);
  });

  it('chooses shard counts that keep every worker busy and shard buffers bounded', () => {
    expect(localShardCount(2e7, 1, 2)).toBe(2);
    expect(localShardCount(1e8, 1, 2)).toBe(2); // a shard's memory is its in-bracket samples: no reason to split further
    expect(localShardCount(1e4, 16, 2)).toBe(16);
    expect(localShardCount(300, 1, 8)).toBe(8);
    expect(localShardCount(5, 1, 8)).toBe(5);
  });
  it('refuses a worker count that would start no worker (NaN, fractional, negative) instead of waiting forever', async () => {
    const sim = { ...base, simulations: 1_000 };
    for (const workers of [Number.NaN, 1.5, -1]) {
      await expect(runShards(planShards(model, sim, confidence), new TailMerger(1_000, neededTail(1_000, confidence)), { workers })).rejects.toThrow(/workers must be/);
    }
  });
});
