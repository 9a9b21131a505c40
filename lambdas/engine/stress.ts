// Stress tests. A shock gives absolute factor returns for one day (XLK = −0.10 means XLK returns −10% that day).
// direct      = Σ β_j shock_j over the shocked model factors only (every other factor returns 0);
// conditional = βᵀ F̂ where F̂ completes the shock with the other factors' conditional mean under F ~ N(μ, Σ):
//               E[F_o | F_s = s] = μ_o + Σ_os Σ_ss⁻¹ (s − μ_s).
// The conditioning uses every candidate factor of the window (model.universe), so a shock to a factor that screening
// dropped (VIX) still moves the selected factors it co-moves with; its own direct effect is 0 (β = 0).
// Neither includes α or the residual (E[ε] = 0): they are the factor part of that day's portfolio return.
import { Matrix, solve } from 'ml-matrix';
import { InputError, type FactorModel, type StressResult } from './types.ts';

export function stressTest(model: FactorModel, shock: Record<string, number>): StressResult {
  const space = model.universe ?? { factors: model.factors, mu: model.mu, cov: model.cov };
  const names = Object.keys(shock);
  if (names.length === 0) throw new InputError('shock', 1, 1, 'a shock needs at least one FACTOR=RETURN');
  const s: number[] = [];
  for (const name of names) {
    const j = space.factors.indexOf(name);
    if (j < 0) throw new InputError('shock', 1, 1, `unknown factor "${name}" in shock (factors: ${space.factors.join(', ')})`);
    if (!Number.isFinite(shock[name])) throw new InputError('shock', 1, 1, `shock of "${name}" is not a finite number`);
    s.push(j);
  }
  const F = space.mu.slice();
  for (const name of names) F[space.factors.indexOf(name)] = shock[name];
  const o = [...space.factors.keys()].filter((j) => !s.includes(j));
  if (o.length > 0) {
    const sss = new Matrix(s.map((a) => s.map((b) => space.cov[a][b])));
    const dev = Matrix.columnVector(s.map((j) => F[j] - space.mu[j]));
    const x = solve(sss, dev); // Σ_ss⁻¹ (s − μ_s)
    for (const a of o) {
      let e = space.mu[a];
      for (let t = 0; t < s.length; t++) e += space.cov[a][s[t]] * x.get(t, 0);
      F[a] = e;
    }
  }
  let direct = 0;
  let conditional = 0;
  const factors: Record<string, number> = {};
  model.factors.forEach((name, j) => {
    const at = space.factors.indexOf(name);
    if (at < 0) return; // the pseudo-factor "residual" of ewma-t/garch-t (models/run.ts): E[ε] = 0, like the residual
    const value = F[at];
    conditional += model.beta[j] * value;
    if (Object.hasOwn(shock, name)) direct += model.beta[j] * shock[name]; // not `in`: a factor named toString is no shock
    factors[name] = value;
  });
  for (const name of names) factors[name] = shock[name];
  return { shock: { ...shock }, direct, conditional, factors };
}
