import { describe, expect, it } from 'vitest';
import { capital, plusFactor, rankModels } from '../../../lambdas/engine/backtest/capital.ts';
import { trafficLight } from '../../../lambdas/engine/backtest.ts';

describe('plusFactor', () => {
  it('follows the Basel table over 250 days at 99 %', () => {
    const table = [0, 0, 0, 0, 0, 0.4, 0.5, 0.65, 0.75, 0.85, 1, 1, 1];
    table.forEach((plus, x) => expect(plusFactor(trafficLight(x, 250, 0.99))).toBe(plus));
  });

  it('gives capital = (3 + plus factor) × mean VaR99', () => {
    expect(capital({ zone: 'yellow', exceptions: 7 }, 0.02)).toEqual({ plusFactor: 0.65, multiplier: 3.65, capital: 3.65 * 0.02 });
    expect(capital({ zone: 'green', exceptions: 2 }, 0.03).capital).toBeCloseTo(0.09, 15);
    expect(capital({ zone: 'red', exceptions: 12 }, 0.03).multiplier).toBe(4);
  });
});

describe('rankModels', () => {
  it('puts the cheapest eligible model first and says why the others fail', () => {
    const ranking = rankModels([
      { model: 'normal', capital: 0.08, zone: 'red', kupiecPValue: 1e-7, dqPValue: 0.2, duration: { pValue: 0.7, shape: 0.9 } },
      { model: 'ewma', capital: 0.1, zone: 'green', kupiecPValue: 0.6, dqPValue: 0.5, duration: { pValue: 0.3, shape: 0.8 } },
      { model: 'fhs', capital: 0.11, zone: 'green', kupiecPValue: 0.9, dqPValue: null, duration: null },
      { model: 'hs', capital: 0.095, zone: 'green', kupiecPValue: 0.5, dqPValue: 0.5, duration: { pValue: 0.01, shape: 0.6 } },
      { model: 'even', capital: 0.2, zone: 'green', kupiecPValue: 0.5, dqPValue: 0.5, duration: { pValue: 0.01, shape: 2.5 } },
      { model: 't', capital: 0.09, zone: 'green', kupiecPValue: 0.5, dqPValue: 0.03, duration: { pValue: 0.5, shape: 1.2 } },
    ]);
    expect(ranking.map((r) => r.model)).toEqual(['ewma', 'fhs', 'even', 'normal', 't', 'hs']);
    expect(ranking[0]).toEqual({ model: 'ewma', capital: 0.1, eligible: true, failures: [] });
    // evenly spaced exceptions (shape > 1) are not clustering: 'even' stays eligible
    expect(ranking[2]).toMatchObject({ model: 'even', eligible: true });
    expect(ranking[3].failures).toEqual(['traffic light red', 'Kupiec p 1.0e-7']);
    expect(ranking[4].failures).toEqual(['DQ p 0.030']);
    expect(ranking[5].failures).toEqual(['duration p 0.010 (clustered)']);
  });
});
