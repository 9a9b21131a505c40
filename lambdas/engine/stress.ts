// Stress tests. A shock gives absolute factor returns for one day (XLK = −0.10 means XLK returns −10% that day).
// direct      = Σ β_j shock_j over the shocked factors only (every other factor returns 0);
// conditional = βᵀ F̂ where F̂ completes the shock with the other factors' conditional mean under F ~ N(μ, Σ):
//               E[F_o | F_s = s] = μ_o + Σ_os Σ_ss⁻¹ (s − μ_s).
// Neither includes α or the residual (E[ε] = 0): they are the factor part of that day's portfolio return.
import { Matrix, solve } from 'ml-matrix';
import { InputError, type FactorModel, type StressResult } from './types.ts';

export function stressTest(model: FactorModel, shock: Record<string, number>): StressResult {
  const k = model.factors.length;
  const names = Object.keys(shock);
  if (names.length === 0) throw new InputError('shock', 1, 1, 'a shock needs at least one FACTOR=RETURN');
  const s: number[] = [];
  for (const name of names) {
    const j = model.factors.indexOf(name);
    if (j < 0) {
      throw new InputError('shock', 1, 1, `unknown factor "${name}" in shock (model factors: ${model.factors.join(', ')})`);
    }
    if (!Number.isFinite(shock[name])) throw new InputError('shock', 1, 1, `shock of "${name}" is not a finite number`);
    s.push(j);
  }
  const o = [...Array(k).keys()].filter((j) => !s.includes(j));
  const F = model.mu.slice();
  let direct = 0;
  for (const name of names) {
    const j = model.factors.indexOf(name);
    F[j] = shock[name];
    direct += model.beta[j] * shock[name];
  }
  if (o.length > 0) {
    const sss = new Matrix(s.map((a) => s.map((b) => model.cov[a][b])));
    const dev = Matrix.columnVector(s.map((j) => F[j] - model.mu[j]));
    const x = solve(sss, dev); // Σ_ss⁻¹ (s − μ_s)
    for (const a of o) {
      let e = model.mu[a];
      for (let t = 0; t < s.length; t++) e += model.cov[a][s[t]] * x.get(t, 0);
      F[a] = e;
    }
  }
  let conditional = 0;
  const factors: Record<string, number> = {};
  for (let j = 0; j < k; j++) {
    conditional += model.beta[j] * F[j];
    factors[model.factors[j]] = F[j];
  }
  return { shock: { ...shock }, direct, conditional, factors };
}
