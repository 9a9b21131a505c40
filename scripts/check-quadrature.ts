// `npm run quadrature`: the exact one-day VaR/ES of model t (multivariate t factors + normal residual, by the 1-D
// quadrature over the χ² mixing variable) against a Monte Carlo of 10^7 samples of the same model through the run's
// streams, on the sample file and window. Prints (MC − exact)/SE per level and fails beyond 3 SE. Not a test: 10^7
// t samples take a minute on a loaded laptop (the unit test checks 2·10^5).
import { fileURLToPath } from 'node:url';
import { runLocal } from '../bin/cli/run.ts';
import { parseSettings } from '../lambdas/engine/config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const n = Number(process.env.QUADRATURE_SAMPLES ?? 1e7);
const settings = parseSettings({ start: '2023-01-03', end: '2024-04-30', model: 't', simulations: n, seed: 20240430 });
const t0 = performance.now();
const run = await runLocal(`${root}data/tech11.csv`, settings, undefined, false);
let worst = 0;
console.log(`model t on data/tech11.csv 2023-01-03..2024-04-30, ν ${run.simulation.df}, ${n} samples, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const [k, r] of Object.entries(run.risk)) {
  const z = (r.var - r.analyticVar) / r.standardError;
  worst = Math.max(worst, Math.abs(z));
  console.log(`${k}: VaR MC ${r.var} exact ${r.analyticVar} SE ${r.standardError} z ${z.toFixed(2)}; ES MC ${r.es} exact ${r.analyticEs}`);
}
if (worst > 3) {
  console.error(`the Monte Carlo is ${worst.toFixed(2)} SE from the quadrature`);
  process.exitCode = 1;
}
