import type { FactorModel } from '../../lambdas/engine/types.ts';

/** Close to the sample model's three factors (XLK, MTUM, VLUE fitted on 2023-01..2024-04), shared by the engine tests. */
export const threeFactorModel: FactorModel = {
  factors: ['XLK', 'MTUM', 'VLUE'],
  beta: [0.9, 0.2, 0.15],
  alpha: 0.0002,
  residualVariance: 4e-5,
  mu: [0.0012, 0.0006, 0.0004],
  cov: [
    [1.6e-4, 8e-5, 5e-5],
    [8e-5, 1.0e-4, 4e-5],
    [5e-5, 4e-5, 8e-5],
  ],
};

/** The default confidence levels. */
export const LEVELS = [0.99, 0.975, 0.95];
