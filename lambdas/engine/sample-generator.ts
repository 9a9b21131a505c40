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
import type { TailMarks } from './tail-marks.ts';
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
  readonly horizon: number;
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
  /** seek()'s scratch for the replayed samples' values */
  private replay: Float64Array | undefined;
  private marked = -1;
  /** `lower` row-major in one typed array, μ and β as typed arrays (the regeneration loop's reads) */
  private readonly flat: Float64Array;
  private readonly mu: Float64Array;
  private readonly beta: Float64Array;
  // scratch of draw/factorDay (reused: attribution regenerates ~5 % of the samples)
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
    this.horizon = h;
    this.path = garchPathOf(simulation, this.norm * this.norm);
    if (this.path !== undefined && this.df === 0) throw new Error('a GARCH path needs distribution t');
    this.stream = new SampleStream(simulation.seed);
    this.orthogonal = new SampleStream(simulation.seed);
    this.flat = Float64Array.from(this.lower.flat());
    this.mu = Float64Array.from(model.mu);
    this.beta = Float64Array.from(model.beta);
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
   * loop that is bit-identical to value(); 't' uses value() itself. With `marks`, the samples whose value is below
   * marks.top are appended to it with the block stream's state at their start, so regenerate() can redo just them.
   */
  fill(start: number, count: number, out: Float64Array, marks?: TailMarks): void {
    if (this.df !== 0) {
      const st = this.stream;
      const top = marks === undefined ? -Infinity : marks.top;
      for (let t = 0; t < count; t++) {
        const i = start + t;
        this.seek(i);
        const s0 = st.state[0];
        const s1 = st.state[1];
        const s2 = st.state[2];
        const s3 = st.state[3];
        const x = this.value(i);
        out[t] = x;
        if (x < top) marks!.push(i, s0, s1, s2, s3);
      }
      return;
    }
    fillNormal(this, start, count, out, marks);
    this.block = -1; // the inlined loop moved the stream's state without the cursor
  }

  /**
   * Sample marks.indices[t] split into per-factor contributions (into `factors`, length k), regenerated from the block
   * state fill() recorded: the same numbers as decompose(). Returns its residual sum Σ_d sd·ε_d.
   */
  regenerate(marks: TailMarks, t: number, factors: Float64Array): number {
    const i = marks.indices[t];
    const states = marks.states;
    const s = this.stream.state;
    s[0] = states[4 * t];
    s[1] = states[4 * t + 1];
    s[2] = states[4 * t + 2];
    s[3] = states[4 * t + 3];
    this.block = Math.floor(i / BLOCK);
    this.marked = -1;
    return this.draw(i, factors);
  }

  /** Positions the block stream at sample i's hot draws: forward within the seeded block without reseeding. */
  private seek(i: number): void {
    const b = Math.floor(i / BLOCK);
    const st = this.stream;
    if (b === this.block && this.cursor > i && this.marked === i) {
      // the same sample again (value(i) after decompose(i), …): back to its saved start
      st.state.set(this.mark);
      this.cursor = i;
      return;
    }
    if (b !== this.block || this.cursor > i) {
      if (this.df === 0) {
        // the inlined loop replays the block's first samples about twice as fast as skip() (the reducer's attribution
        // regenerates samples scattered over thousands of blocks) and leaves the stream at sample i
        this.replay ??= new Float64Array(BLOCK);
        fillNormal(this, b * BLOCK, i - b * BLOCK, this.replay, undefined);
        this.block = b;
        this.cursor = i;
      } else {
        st.seedBlock(b);
        this.block = b;
        this.cursor = b * BLOCK;
      }
    }
    while (this.cursor < i) this.skip();
    this.marked = i;
    this.mark.set(st.state);
  }

  /** Draws (and drops) the next sample's hot-loop draws, in value()'s order, and moves the cursor on. */
  private skip(): void {
    const s = this.stream;
    const { df, residualSd } = this;
    const h = this.simulation.horizon;
    for (let d = 0; d < h; d++) {
      s.normal();
      if (df > 0) s.chiSquare(df);
      if (residualSd > 0) s.normal();
    }
    this.cursor++;
  }

  /**
   * With the block stream at sample i's start: per day its hot draws (z_R,d, the t scale, ε_d: value()'s order) and
   * u_d from its own stream, the day's factor returns F_d (factorsOf), and factors[j] = Σ_d β_j F_{j,d}. Returns the
   * residual sum and moves the cursor past sample i.
   */
  private draw(i: number, factors: Float64Array): number {
    const s = this.stream;
    const { k, df, residualSd, day, beta, horizon: h, path } = this;
    for (let j = 0; j < k; j++) factors[j] = 0;
    this.orthogonal.seedSample(i);
    path?.start();
    let residual = 0;
    for (let d = 0; d < h; d++) {
      const zr = s.normal();
      let scale = df > 0 ? Math.sqrt((df - 2) / s.chiSquare(df)) : 1;
      if (path !== undefined) scale *= path.next(this.norm * zr * scale);
      if (residualSd > 0) residual += residualSd * s.normal();
      this.factorsOf(zr, scale, day);
      for (let j = 0; j < k; j++) factors[j] += beta[j] * day[j];
    }
    this.cursor = i + 1;
    return residual;
  }

  /** Draws u (k normals of the sample stream) and writes the day's factor returns F = μ + scale·L(ŵ z_R + u − ŵ(ŵᵀu)). */
  private factorsOf(zr: number, scale: number, out: Float64Array): void {
    const s = this.orthogonal;
    const { k, flat, unit, z, mu } = this;
    let dot = 0;
    for (let l = 0; l < k; l++) {
      const x = s.normal();
      z[l] = x;
      dot += unit[l] * x;
    }
    for (let l = 0; l < k; l++) z[l] = unit[l] * zr + (z[l] - unit[l] * dot);
    for (let j = 0, row = 0; j < k; j++, row += k) {
      let lz = 0;
      for (let l = 0; l <= j; l++) lz += flat[row + l] * z[l];
      out[j] = mu[j] + scale * lz;
    }
  }

  /**
   * Sample i split into per-factor contributions β_j Σ_d F_{j,d}, the intercept h·α (when on) and the residual Σ_d ε_d
   * (when on), regenerated from the same streams as value(i). `factors` must have length k.
   */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number } {
    this.seek(i);
    const residual = this.draw(i, factors);
    return { intercept: this.simulation.intercept ? this.simulation.horizon * this.model.alpha : 0, residual };
  }

  /** Factor returns of sample i's day d (0-based; default the first): F = μ + scale·L z. For tests of F's law. */
  factorDay(i: number, out: Float64Array, day = 0): void {
    const h = this.simulation.horizon;
    if (!(day >= 0 && day < h)) throw new RangeError(`day must be in [0, ${h}), got ${day}`);
    this.seek(i);
    this.orthogonal.seedSample(i);
    const s = this.stream;
    const { df, residualSd, path } = this;
    path?.start();
    // the earlier days' draws come first in both streams
    for (let d = 0; d <= day; d++) {
      const zr = s.normal();
      let scale = df > 0 ? Math.sqrt((df - 2) / s.chiSquare(df)) : 1;
      if (path !== undefined) scale *= path.next(this.norm * zr * scale);
      if (residualSd > 0) s.normal();
      this.factorsOf(zr, scale, out);
    }
    // back to sample i's start (seek saved it), so the next day of i or the next sample costs no block replay
    this.stream.state.set(this.mark);
    this.cursor = i;
  }
}

/**
 * The hot loop of value() for distribution 'normal': SampleStream.seedBlock, nextInt and the ziggurat's fast path
 * inlined with the xoshiro state in local variables (V8 keeps them in registers); the rare slow path goes through the
 * stream object. Each block is seeded once; samples of a block before `start` are drawn and dropped. Per day it draws
 * z_R (and ε with the residual) and never the u's. Must stay bit-identical to value(): same draws in the same order,
 * same floating-point operations.
 */
function fillNormal(gen: SampleGenerator, start: number, count: number, out: Float64Array, marks: TailMarks | undefined): void {
  const st = gen.stream;
  const state = st.state;
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
  const top = marks === undefined ? -Infinity : marks.top;
  const end = start + count;
  // the xoshiro128** state in locals (V8 keeps them in registers), set when each block is seeded
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  const first = Math.floor(start / block) * block;
  if (first >= end) {
    st.seedBlock(first / block); // nothing to draw: the stream at the block's start
    return;
  }
  for (let b0 = first; b0 < end; b0 += block) {
    // seedBlock(b0 / block), fmix32 inlined five times
    let x = ((b0 / block) ^ blockKey) | 0;
    x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); x ^= x >>> 16;
    s0 = (x + k0) | 0;
    s0 ^= s0 >>> 16; s0 = Math.imul(s0, 0x85ebca6b); s0 ^= s0 >>> 13; s0 = Math.imul(s0, 0xc2b2ae35); s0 ^= s0 >>> 16;
    s1 = (x + k1) | 0;
    s1 ^= s1 >>> 16; s1 = Math.imul(s1, 0x85ebca6b); s1 ^= s1 >>> 13; s1 = Math.imul(s1, 0xc2b2ae35); s1 ^= s1 >>> 16;
    s2 = (x + k2) | 0;
    s2 ^= s2 >>> 16; s2 = Math.imul(s2, 0x85ebca6b); s2 ^= s2 >>> 13; s2 = Math.imul(s2, 0xc2b2ae35); s2 ^= s2 >>> 16;
    s3 = (x + k3) | 0;
    s3 ^= s3 >>> 16; s3 = Math.imul(s3, 0x85ebca6b); s3 ^= s3 >>> 13; s3 = Math.imul(s3, 0xc2b2ae35); s3 ^= s3 >>> 16;
    if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
    const bEnd = Math.min(end, b0 + block);
    for (let j = b0; j < bEnd; j++) {
      const t = j - start; // < 0: a sample of the block before the range, drawn only to advance the stream
      // the state at the sample's start, for marks (copies of registers: cheaper than storing it for every sample)
      const m0 = s0;
      const m1 = s1;
      const m2 = s2;
      const m3 = s3;
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
            state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
            const slow = st.normalSlow(iz, u);
            s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3];
            if (slow === slow) {
              v = (a & 256) === 0 ? slow : -slow;
              break;
            }
          }
          if (l === 0) r += c + norm * v;
          else r += sd * v;
        }
      }
      if (t >= 0) {
        out[t] = r;
        if (r < top) marks!.push(j, m0, m1, m2, m3);
      }
    }
  }
  // the stream where the range ends (seek() replays with it)
  state[0] = s0; state[1] = s1; state[2] = s2; state[3] = s3;
}
