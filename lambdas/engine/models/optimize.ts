// Small deterministic optimizers for the models' maximum-likelihood fits (ν, GARCH). Hand-written on purpose: the
// estimators are the product's edge, must be reproducible bit for bit across machines, and must run thousands of
// times inside a backtest in milliseconds; none of the npm packages we could use offers bounded 1-D Brent plus
// Nelder–Mead with restarts without pulling a numerics framework.

/** Brent's minimization of f on [a, b] (golden section + parabolic steps); x within tol·|x| + 1e-12. */
export function brentMin(f: (x: number) => number, a: number, b: number, tol = 1e-10, maxIter = 500): { x: number; f: number } {
  const golden = 0.3819660112501051;
  let x = a + golden * (b - a);
  let w = x;
  let v = x;
  let fx = f(x);
  let fw = fx;
  let fv = fx;
  let d = 0;
  let e = 0;
  for (let it = 0; it < maxIter; it++) {
    const m = 0.5 * (a + b);
    const tol1 = tol * Math.abs(x) + 1e-12;
    const tol2 = 2 * tol1;
    if (Math.abs(x - m) <= tol2 - 0.5 * (b - a)) break;
    let parabolic = false;
    if (Math.abs(e) > tol1) {
      const r = (x - w) * (fx - fv);
      let q = (x - v) * (fx - fw);
      let p = (x - v) * q - (x - w) * r;
      q = 2 * (q - r);
      if (q > 0) p = -p;
      else q = -q;
      if (Math.abs(p) < Math.abs(0.5 * q * e) && p > q * (a - x) && p < q * (b - x)) {
        e = d;
        d = p / q;
        const u = x + d;
        if (u - a < tol2 || b - u < tol2) d = x < m ? tol1 : -tol1;
        parabolic = true;
      }
    }
    if (!parabolic) {
      e = x < m ? b - x : a - x;
      d = golden * e;
    }
    const u = Math.abs(d) >= tol1 ? x + d : x + (d > 0 ? tol1 : -tol1);
    const fu = f(u);
    if (fu <= fx) {
      if (u < x) b = x;
      else a = x;
      v = w; fv = fw;
      w = x; fw = fx;
      x = u; fx = fu;
    } else {
      if (u < x) a = u;
      else b = u;
      if (fu <= fw || w === x) {
        v = w; fv = fw;
        w = u; fw = fu;
      } else if (fu <= fv || v === x || v === w) {
        v = u; fv = fu;
      }
    }
  }
  return { x, f: fx };
}

/**
 * Nelder–Mead on an unconstrained vector (constraints go into the parametrization), restarted from its best point
 * until a restart no longer improves f by more than ftol (a single run can stall on a degenerate simplex).
 */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: { step?: number; ftol?: number; maxEval?: number } = {}): { x: number[]; f: number; evaluations: number } {
  const step = opts.step ?? 0.1;
  const ftol = opts.ftol ?? 1e-13;
  const maxEval = opts.maxEval ?? 20000;
  let best = x0.slice();
  let fBest = f(best);
  let evaluations = 1;
  for (let restart = 0; restart < 20 && evaluations < maxEval; restart++) {
    const r = simplexRun(f, best, step, ftol, maxEval - evaluations);
    evaluations += r.evaluations;
    const improved = fBest - r.f > ftol * (Math.abs(fBest) + 1e-30);
    if (r.f <= fBest) {
      best = r.x;
      fBest = r.f;
    }
    if (!improved && restart > 0) break;
  }
  return { x: best, f: fBest, evaluations };
}

function simplexRun(f: (x: number[]) => number, x0: number[], step: number, ftol: number, maxEval: number): { x: number[]; f: number; evaluations: number } {
  const n = x0.length;
  const pts: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] += step;
    pts.push(p);
  }
  const vals = pts.map(f);
  let evaluations = n + 1;
  const order = (): void => {
    const idx = pts.map((_, i) => i).sort((a, b) => vals[a] - vals[b] || a - b);
    const p2 = idx.map((i) => pts[i]);
    const v2 = idx.map((i) => vals[i]);
    for (let i = 0; i <= n; i++) {
      pts[i] = p2[i];
      vals[i] = v2[i];
    }
  };
  while (evaluations < maxEval) {
    order();
    if (Math.abs(vals[n] - vals[0]) <= ftol * (Math.abs(vals[0]) + 1e-30)) break;
    const c = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[j] += pts[i][j] / n;
    const at = (t: number): number[] => c.map((cj, j) => cj + t * (pts[n][j] - cj));
    const xr = at(-1);
    const fr = f(xr);
    evaluations++;
    if (fr < vals[0]) {
      const xe = at(-2);
      const fe = f(xe);
      evaluations++;
      if (fe < fr) { pts[n] = xe; vals[n] = fe; } else { pts[n] = xr; vals[n] = fr; }
    } else if (fr < vals[n - 1]) {
      pts[n] = xr;
      vals[n] = fr;
    } else {
      const outside = fr < vals[n];
      const xc = at(outside ? -0.5 : 0.5);
      const fc = f(xc);
      evaluations++;
      if (fc < (outside ? fr : vals[n])) {
        pts[n] = xc;
        vals[n] = fc;
      } else {
        for (let i = 1; i <= n; i++) {
          pts[i] = pts[i].map((v, j) => pts[0][j] + 0.5 * (v - pts[0][j]));
          vals[i] = f(pts[i]);
        }
        evaluations += n;
      }
    }
  }
  order();
  return { x: pts[0], f: vals[0], evaluations };
}
