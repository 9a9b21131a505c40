// The sample generator: model and settings → each sample's h-day return (and, for attribution, its factor parts).
// One unit over 300 lines: fillNormal is value()'s hot loop inlined (stream state in locals) and must stay
// bit-identical to value() and decompose beside it: same draws, same order, same floating-point operations.
//
// One normal per day in the hot loop, exactly. A normal day is R = c + wᵀz with w = Lᵀβ (L = lower Cholesky of Σ),
// c = βᵀμ, z ~ N(0, I_k). With ŵ = w/‖w‖, each sample's factor normals are defined as z = ŵ z_R + (I − ŵŵᵀ) u with
// z_R ~ N(0, 1) and u ~ N(0, I_k) independent: the two parts are independent Gaussians with covariances ŵŵᵀ and
// I − ŵŵᵀ, so z ~ N(0, I) exactly and F = μ + L z ~ N(μ, Σ) exactly, while wᵀz = ‖w‖ z_R. So R = c + ‖w‖ z_R for every
// sample, and u is needed only when a sample's factors are (decompose, factorDay), never in the hot loop. Student-t:
// the day's common scale sqrt((ν − 2)/W) multiplies the whole z, so R = c + scale·‖w‖ z_R. When w = 0 (all β zero)
// any unit vector serves as ŵ (e_1 here): then R = c and z is still N(0, I).
//
// Draw order (the reproducibility contract, shared by value, the hot loop, decompose and factorDay): block b's stream
// (rng.ts, BLOCK samples) draws its samples in index order; sample i's draws in it are, for each day d = 1..h: z_R,d,
// then W_d ~ χ²_ν (distribution 't' only), then ε_d ~ N(0, 1) for the residual (residual 'normal' only). Sample i's own
// stream draws, for each day d = 1..h, u_d (k normals, in model.factors order): only decompose and factorDay need
// them, so the hot loop never touches it. Days are summed in order.
// With distribution 't' the factors are multivariate Student-t with covariance Σ (one W per day shared by all
// factors); the residual ε stays normal N(0, s²) — the regression's s² is not a t scale.
// garch-t over h > 1 days (garch-path.ts): the same draws in the same order; day d's t scale is then multiplied by
// σ_d/σ_1 from the sample's own simulated previous days (exactly 1 on day 1). It runs through value(), never the
// normal hot loop.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { garchPathOf, type GarchPath } from './garch-path.ts';
import { BLOCK, SampleStream, ZK, ZW } from './rng.ts';
import type { FactorModel, SimulationSettings } from './types.ts';

/** Lower Cholesky factor of Σ (row-major k×k); throws when Σ is not positive definite. */
export function choleskyLower(cov: number[][]): number[][] {
  const chol = new CholeskyDecomposition(new Matrix(cov));
  if (!chol.isPositiveDefinite()) throw new Error('factor covariance is not positive definite');
  return chol.lowerTriangularMatrix.to2DArray();
}

/** Precomputed constants of one (model, simulation) pair: a normal day is R = c + ‖w‖ z_R with w = Lᵀβ. */
export class SampleGenerator {
  readonly k: number;
  readonly lower: number[][];
  readonly w: Float64Array;
  /** ‖w‖ = sqrt(βᵀΣβ): the sd of a normal day's factor part */
  readonly norm: number;
  /** ŵ = w/‖w‖ (e_1 when w = 0): the direction z_R lies along */
  readonly unit: Float64Array;
  /** βᵀμ (+ α with intercept) */
  readonly c: number;
  readonly residualSd: number;
  readonly df: number;
  /** garch-t over h > 1 days: the variance path day d's scale follows */
  private readonly path: GarchPath | undefined;
  /** the block streams (hot-loop draws) and the per-sample streams (the orthogonal u's) */
  readonly stream: SampleStream;
  readonly orthogonal: SampleStream;
  /** the block stream's position: block `block` is seeded and its next draws are sample `cursor`'s (−1: none) */
  private block = -1;
  private cursor = 0;
  /** the block stream's state at the start of sample `marked` (the last one sought) */
  private readonly mark = new Int32Array(4);
  private marked = -1;
  // per-day scratch of decompose/factorDay (reused: attribution regenerates ~10^5 samples)
  private readonly zR: Float64Array;
  private readonly scale: Float64Array;
  private readonly z: Float64Array;
  private readonly day: Float64Array;

  constructor(
    readonly model: FactorModel,
    readonly simulation: SimulationSettings,
  ) {
    const k = model.factors.length;
    if (model.beta.length !== k || model.mu.length !== k || model.cov.length !== k) throw new Error('model dimensions disagree');
    this.k = k;
    this.lower = choleskyLower(model.cov);
    this.w = new Float64Array(k);
    for (let l = 0; l < k; l++) {
      let s = 0;
      for (let j = l; j < k; j++) s += this.lower[j][l] * model.beta[j];
      this.w[l] = s;
    }
    let ss = 0;
    for (let l = 0; l < k; l++) ss += this.w[l] * this.w[l];
    this.norm = Math.sqrt(ss);
    this.unit = new Float64Array(k);
    if (this.norm > 0) for (let l = 0; l < k; l++) this.unit[l] = this.w[l] / this.norm;
    else if (k > 0) this.unit[0] = 1; // w = 0: any direction is exact (wᵀz = 0 = ‖w‖ z_R)
    let c = 0;
    for (let j = 0; j < k; j++) c += model.beta[j] * model.mu[j];
    this.c = c + (simulation.intercept ? model.alpha : 0);
    this.residualSd = simulation.residual === 'normal' ? Math.sqrt(model.residualVariance) : 0;
    if (simulation.distribution === 't') {
      if (simulation.df === null || !(simulation.df > 2)) throw new Error('distribution t needs df > 2');
      this.df = simulation.df;
    } else this.df = 0;
    const h = simulation.horizon;
    if (!Number.isInteger(h) || h < 1) throw new Error('horizon must be a positive integer');
    this.path = garchPathOf(simulation, this.norm * this.norm);
    if (this.path !== undefined && this.df === 0) throw new Error('a GARCH path needs distribution t');
    this.stream = new SampleStream(simulation.seed);
    this.orthogonal = new SampleStream(simulation.seed);
    this.zR = new Float64Array(h);
    this.scale = new Float64Array(h);
    this.z = new Float64Array(k);
    this.day = new Float64Array(k);
  }

  /** Portfolio return of sample i (h-day sum). Calls in ascending order within a block cost one sample each. */
  value(i: number): number {
    this.seek(i);
    const s = this.stream;
    const norm = this.norm;
    const h = this.simulation.horizon;
    const df = this.df;
    const sd = this.residualSd;
    const path = this.path;
    path?.start();
    let r = 0;
    for (let d = 0; d < h; d++) {
      let x = norm * s.normal();
      if (df > 0) x *= Math.sqrt((df - 2) / s.chiSquare(df));
      if (path !== undefined) x *= path.next(x);
      r += this.c + x;
      if (sd > 0) r += sd * s.normal();
    }
    this.cursor++;
    return r;
  }

  /**
   * out[t] = value(start + t) for t < count. Distribution 'normal' (any horizon, residual, intercept) runs an inlined
   * loop that is bit-identical to value(); 't' uses value() itself. With `states`, states[4t … 4t + 3] receive the
   * block stream's state at the start of sample start + t, so restore() can regenerate it without replaying its block.
   */
  fill(start: number, count: number, out: Float64Array, states?: Int32Array): void {
    if (this.df !== 0) {
      const st = this.stream;
      for (let t = 0; t < count; t++) {
        this.seek(start + t);
        if (states !== undefined) {
          states[4 * t] = st.s0;
          states[4 * t + 1] = st.s1;
          states[4 * t + 2] = st.s2;
          states[4 * t + 3] = st.s3;
        }
        out[t] = this.value(start + t);
      }
      return;
    }
    fillNormal(this, start, count, out, states);
    this.block = -1; // the inlined loop moved the stream's state without the cursor
  }

  /** Puts the block stream back at sample i from a state fill() recorded (states[4t …]). */
  restore(i: number, states: Int32Array, t: number): void {
    const st = this.stream;
    st.s0 = states[4 * t];
    st.s1 = states[4 * t + 1];
    st.s2 = states[4 * t + 2];
    st.s3 = states[4 * t + 3];
    this.block = Math.floor(i / BLOCK);
    this.cursor = i;
  }

  /** Positions the block stream at sample i's hot draws: forward within the seeded block without reseeding. */
  private seek(i: number): void {
    const b = Math.floor(i / BLOCK);
    const st = this.stream;
    if (b === this.block && this.cursor > i && this.marked === i) {
      // the same sample again (value(i) after decompose(i), …): back to its saved start
      st.s0 = this.mark[0];
      st.s1 = this.mark[1];
      st.s2 = this.mark[2];
      st.s3 = this.mark[3];
      this.cursor = i;
      return;
    }
    if (b !== this.block || this.cursor > i) {
      st.seedBlock(b);
      this.block = b;
      this.cursor = b * BLOCK;
    }
    while (this.cursor < i) this.drawHot();
    this.marked = i;
    this.mark[0] = st.s0;
    this.mark[1] = st.s1;
    this.mark[2] = st.s2;
    this.mark[3] = st.s3;
  }

  /**
   * The next sample's hot-loop draws (z_R,d and the day scales into this.zR/this.scale); returns its residual sum
   * Σ_d sd·ε_d and moves the cursor on. The same draws in the same order as value().
   */
  private drawHot(): number {
    const s = this.stream;
    const { df, residualSd, zR, scale } = this;
    const h = this.simulation.horizon;
    const path = this.path;
    path?.start();
    let residual = 0;
    for (let d = 0; d < h; d++) {
      zR[d] = s.normal();
      scale[d] = df > 0 ? Math.sqrt((df - 2) / s.chiSquare(df)) : 1;
      if (path !== undefined) scale[d] *= path.next(this.norm * zR[d] * scale[d]);
      if (residualSd > 0) residual += residualSd * s.normal();
    }
    this.cursor++;
    return residual;
  }

  /** Sample i's hot draws (see drawHot), with its orthogonal stream seeded for nextDay. */
  private hotDraws(i: number): number {
    this.seek(i);
    const residual = this.drawHot();
    this.orthogonal.seedSample(i);
    return residual;
  }

  /** Draws u_d and writes day d's factor returns F = μ + scale_d·L(ŵ z_R,d + u − ŵ(ŵᵀu)) into out. */
  private nextDay(d: number, out: Float64Array): void {
    const s = this.orthogonal;
    const { k, lower, unit, z } = this;
    const mu = this.model.mu;
    let dot = 0;
    for (let l = 0; l < k; l++) {
      z[l] = s.normal();
      dot += unit[l] * z[l];
    }
    const zr = this.zR[d];
    for (let l = 0; l < k; l++) z[l] = unit[l] * zr + (z[l] - unit[l] * dot);
    const sc = this.scale[d];
    for (let j = 0; j < k; j++) {
      let lz = 0;
      for (let l = 0; l <= j; l++) lz += lower[j][l] * z[l];
      out[j] = mu[j] + sc * lz;
    }
  }

  /**
   * Sample i split into per-factor contributions β_j Σ_d F_{j,d}, the intercept h·α (when on) and the residual Σ_d ε_d
   * (when on), regenerated from the same streams as value(i). `factors` must have length k.
   */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number } {
    const { k } = this;
    const beta = this.model.beta;
    const h = this.simulation.horizon;
    const f = this.day;
    factors.fill(0);
    const residual = this.hotDraws(i);
    for (let d = 0; d < h; d++) {
      this.nextDay(d, f);
      for (let j = 0; j < k; j++) factors[j] += beta[j] * f[j];
    }
    return { intercept: this.simulation.intercept ? h * this.model.alpha : 0, residual };
  }

  /** Factor returns of sample i's day d (0-based; default the first): F = μ + scale·L z. For tests of F's law. */
  factorDay(i: number, out: Float64Array, day = 0): void {
    const h = this.simulation.horizon;
    if (!(day >= 0 && day < h)) throw new RangeError(`day must be in [0, ${h}), got ${day}`);
    this.hotDraws(i);
    for (let d = 0; d < day; d++) this.nextDay(d, out); // the earlier days' u come first in the stream
    this.nextDay(day, out);
  }
}

/**
 * The hot loop of value() for distribution 'normal': SampleStream.seedBlock, nextInt and the ziggurat's fast path
 * inlined with the xoshiro state in local variables (V8 keeps them in registers); the rare slow path goes through the
 * stream object. Each block is seeded once; samples of a block before `start` are drawn and dropped. Per day it draws
 * z_R (and ε with the residual) and never the u's. Must stay bit-identical to value(): same draws in the same order,
 * same floating-point operations.
 */
function fillNormal(gen: SampleGenerator, start: number, count: number, out: Float64Array, states: Int32Array | undefined): void {
  const st = gen.stream;
  // local copies: a transpiler may turn imported bindings into getter calls
  const zk = ZK;
  const zw = ZW;
  const block = BLOCK;
  const k0 = st.k0;
  const k1 = st.k1;
  const k2 = st.k2;
  const k3 = st.k3;
  const blockKey = st.blockKey;
  const norm = gen.norm;
  const c = gen.c;
  const sd = gen.residualSd;
  const h = gen.simulation.horizon;
  const draws = sd > 0 ? 2 : 1;
  const record = states !== undefined;
  const end = start + count;
  for (let b0 = Math.floor(start / block) * block; b0 < end; b0 += block) {
    // seedBlock(b0 / block), fmix32 inlined five times
    let x = ((b0 / block) ^ blockKey) | 0;
    x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); x ^= x >>> 16;
    let s0 = (x + k0) | 0;
    s0 ^= s0 >>> 16; s0 = Math.imul(s0, 0x85ebca6b); s0 ^= s0 >>> 13; s0 = Math.imul(s0, 0xc2b2ae35); s0 ^= s0 >>> 16;
    let s1 = (x + k1) | 0;
    s1 ^= s1 >>> 16; s1 = Math.imul(s1, 0x85ebca6b); s1 ^= s1 >>> 13; s1 = Math.imul(s1, 0xc2b2ae35); s1 ^= s1 >>> 16;
    let s2 = (x + k2) | 0;
    s2 ^= s2 >>> 16; s2 = Math.imul(s2, 0x85ebca6b); s2 ^= s2 >>> 13; s2 = Math.imul(s2, 0xc2b2ae35); s2 ^= s2 >>> 16;
    let s3 = (x + k3) | 0;
    s3 ^= s3 >>> 16; s3 = Math.imul(s3, 0x85ebca6b); s3 ^= s3 >>> 13; s3 = Math.imul(s3, 0xc2b2ae35); s3 ^= s3 >>> 16;
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    const bEnd = Math.min(end, b0 + block);
    for (let j = b0; j < bEnd; j++) {
      const t = j - start; // < 0: a sample of the block before the range, drawn only to advance the stream
      if (record && t >= 0) {
        states![4 * t] = s0;
        states![4 * t + 1] = s1;
        states![4 * t + 2] = s2;
        states![4 * t + 3] = s3;
      }
      let r = 0;
      for (let d = 0; d < h; d++) {
        // l = 0: z_R (the day's factor part); l = 1: ε (residual only)
        for (let l = 0; l < draws; l++) {
          let v = 0;
          for (;;) {
            // two xoshiro128** outputs a, b
            let m = Math.imul(s1, 5);
            const a = Math.imul((m << 7) | (m >>> 25), 9);
            let tt = s1 << 9;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= tt; s3 = (s3 << 11) | (s3 >>> 21);
            m = Math.imul(s1, 5);
            const b = Math.imul((m << 7) | (m >>> 25), 9);
            tt = s1 << 9;
            s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= tt; s3 = (s3 << 11) | (s3 >>> 21);
            const iz = a & 255;
            const u = (a >>> 9) * 536870912 + (b >>> 3);
            if (u < zk[iz]) {
              // branch-free sign (±1 from bit 8): a 50/50 branch here costs a misprediction every other normal
              v = u * zw[iz] * (1 - ((a >>> 7) & 2));
              break;
            }
            st.s0 = s0; st.s1 = s1; st.s2 = s2; st.s3 = s3;
            const slow = st.normalSlow(iz, u);
            s0 = st.s0; s1 = st.s1; s2 = st.s2; s3 = st.s3;
            if (slow === slow) {
              v = (a & 256) === 0 ? slow : -slow;
              break;
            }
          }
          if (l === 0) r += c + norm * v;
          else r += sd * v;
        }
      }
      if (t >= 0) out[t] = r;
    }
  }
}
