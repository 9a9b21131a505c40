// Monte Carlo of portfolio returns R = βᵀF (+ α) (+ ε), streamed over a shard's sample range keeping only the tail.
//
// Draw order within sample i (part of the reproducibility contract, shared by the hot loop and decomposeSample):
// for each day d = 1..h: z_1..z_k (factor normals, in model.factors order), then W ~ χ²_ν (distribution 't' only),
// then e ~ N(0, 1) for the residual (residual 'normal' only). Days are summed in order.
// With distribution 't' the factors are multivariate Student-t with covariance Σ (one W per day shared by all
// factors); the residual ε stays normal N(0, s²) — the regression's s² is not a t scale.
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { SampleStream, ZK, ZW } from './rng.ts';
import { neededTail, TailCollector, type PackedPartial } from './tail.ts';
import type { FactorModel, ShardDescriptor, ShardPartial, SimulationSettings } from './types.ts';

/** Lower Cholesky factor of Σ (row-major k×k); throws when Σ is not positive definite. */
export function choleskyLower(cov: number[][]): number[][] {
  const chol = new CholeskyDecomposition(new Matrix(cov));
  if (!chol.isPositiveDefinite()) throw new Error('factor covariance is not positive definite');
  return chol.lowerTriangularMatrix.to2DArray();
}

/** Precomputed constants of one (model, simulation) pair: a normal day is R = c + Σ_l w_l z_l with w = Lᵀβ. */
export class SampleGenerator {
  readonly k: number;
  readonly lower: number[][];
  readonly w: Float64Array;
  /** βᵀμ (+ α with intercept) */
  readonly c: number;
  readonly residualSd: number;
  readonly df: number;
  readonly stream: SampleStream;
  /** decompose()'s normals (reused: attribution regenerates ~10^5 samples) */
  private readonly z: Float64Array;

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
    let c = 0;
    for (let j = 0; j < k; j++) c += model.beta[j] * model.mu[j];
    this.c = c + (simulation.intercept ? model.alpha : 0);
    this.residualSd = simulation.residual === 'normal' ? Math.sqrt(model.residualVariance) : 0;
    if (simulation.distribution === 't') {
      if (simulation.df === null || !(simulation.df > 2)) throw new Error('distribution t needs df > 2');
      this.df = simulation.df;
    } else this.df = 0;
    if (!Number.isInteger(simulation.horizon) || simulation.horizon < 1) throw new Error('horizon must be a positive integer');
    this.stream = new SampleStream(simulation.seed);
    this.z = new Float64Array(k);
  }

  /** Portfolio return of sample i (h-day sum). */
  value(i: number): number {
    const s = this.stream;
    const w = this.w;
    const k = this.k;
    const h = this.simulation.horizon;
    const df = this.df;
    const sd = this.residualSd;
    s.seedSample(i);
    let r = 0;
    for (let d = 0; d < h; d++) {
      let x = 0;
      for (let l = 0; l < k; l++) x += w[l] * s.normal();
      if (df > 0) x *= Math.sqrt((df - 2) / s.chiSquare(df));
      r += this.c + x;
      if (sd > 0) r += sd * s.normal();
    }
    return r;
  }

  /**
   * out[t] = value(start + t) for t < count. Distribution 'normal' (any horizon, residual, intercept) runs an inlined
   * loop that is bit-identical to value(); 't' uses value() itself.
   */
  fill(start: number, count: number, out: Float64Array): void {
    if (this.df !== 0) {
      for (let t = 0; t < count; t++) out[t] = this.value(start + t);
      return;
    }
    // fillNormal needs one upper index word per call: split at multiples of 2^32
    const split = (Math.floor(start / TWO32) + 1) * TWO32 - start;
    if (split >= count) fillNormal(this, start, count, out, 0);
    else {
      fillNormal(this, start, split, out, 0);
      fillNormal(this, start + split, count - split, out, split);
    }
  }

  /**
   * Sample i split into per-factor contributions β_j Σ_d F_{j,d}, the intercept h·α (when on) and the residual Σ_d ε_d
   * (when on), regenerated from the same stream as value(i). `factors` must have length k.
   */
  decompose(i: number, factors: Float64Array): { intercept: number; residual: number } {
    const s = this.stream;
    const { k, lower, df, residualSd } = this;
    const { beta, mu } = this.model;
    const h = this.simulation.horizon;
    const z = this.z;
    factors.fill(0);
    let residual = 0;
    s.seedSample(i);
    for (let d = 0; d < h; d++) {
      for (let l = 0; l < k; l++) z[l] = s.normal();
      const scale = df > 0 ? Math.sqrt((df - 2) / s.chiSquare(df)) : 1;
      for (let j = 0; j < k; j++) {
        let lz = 0;
        for (let l = 0; l <= j; l++) lz += lower[j][l] * z[l];
        factors[j] += beta[j] * (mu[j] + scale * lz);
      }
      if (residualSd > 0) residual += residualSd * s.normal();
    }
    return { intercept: this.simulation.intercept ? h * this.model.alpha : 0, residual };
  }

  /** Factor returns of sample i's first day (F = μ + scale·L z); for tests of the factor distribution. */
  factorDay(i: number, out: Float64Array): void {
    const s = this.stream;
    const { k, lower, df } = this;
    const z = new Float64Array(k);
    s.seedSample(i);
    for (let l = 0; l < k; l++) z[l] = s.normal();
    const scale = df > 0 ? Math.sqrt((df - 2) / s.chiSquare(df)) : 1;
    for (let j = 0; j < k; j++) {
      let lz = 0;
      for (let l = 0; l <= j; l++) lz += lower[j][l] * z[l];
      out[j] = this.model.mu[j] + scale * lz;
    }
  }
}

const TWO32 = 4294967296;

/**
 * The hot loop of value() for distribution 'normal': SampleStream.seedSample, nextInt and the ziggurat's fast path
 * inlined with the xoshiro state in local variables (V8 keeps them in registers); the rare slow path goes through the
 * stream object. Must stay bit-identical to value(): same draws in the same order, same floating-point operations.
 */
function fillNormal(gen: SampleGenerator, start: number, count: number, out: Float64Array, at: number): void {
  const st = gen.stream;
  // local copies: a transpiler may turn imported bindings into getter calls
  const zk = ZK;
  const zw = ZW;
  const k0 = st.k0;
  const k1 = st.k1;
  const k2 = st.k2;
  const k3 = st.k3;
  const w = gen.w;
  const k = gen.k;
  const c = gen.c;
  const sd = gen.residualSd;
  const h = gen.simulation.horizon;
  const draws = sd > 0 ? k + 1 : k;
  const z = new Float64Array(draws);
  // [start, start + count) shares its upper 32 bits (fill splits at multiples of 2^32)
  const lo0 = start >>> 0;
  const hiKey = st.hiKeyOf((start - lo0) / TWO32);
  for (let t = 0; t < count; t++) {
    // seedSample(start + t), fmix32 inlined five times; lo0 + t < 2^32, and `| 0` keeps its 32 bits
    let x = ((lo0 + t) | 0) ^ hiKey;
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
    let r = 0;
    for (let d = 0; d < h; d++) {
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
        z[l] = v;
      }
      let xd = 0;
      for (let l = 0; l < k; l++) xd += w[l] * z[l];
      r += c + xd;
      if (sd > 0) r += sd * z[k];
    }
    out[at + t] = r;
  }
}

/** Contiguous ranges covering [0, N): shard s gets [⌊sN/S⌋, ⌊(s+1)N/S⌋). Each keeps min(m, its size) samples. */
export function planShards(model: FactorModel, simulation: SimulationSettings, confidence: number[], runId?: string): ShardDescriptor[] {
  const n = simulation.simulations;
  const shards = Math.min(simulation.shards, n);
  if (!Number.isSafeInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`simulations must be in [1, 2^32], got ${n}`);
  if (!Number.isSafeInteger(shards) || shards < 1) throw new RangeError(`shards must be a positive integer, got ${simulation.shards}`);
  const m = neededTail(n, confidence);
  const out: ShardDescriptor[] = [];
  for (let s = 0; s < shards; s++) {
    const start = Math.floor((s * n) / shards);
    const end = Math.floor(((s + 1) * n) / shards);
    const d: ShardDescriptor = { shard: s, start, end, simulations: n, tailSize: Math.min(m, end - start), model, simulation };
    if (runId !== undefined) d.runId = runId;
    out.push(d);
  }
  return out;
}

const PROGRESS_CHUNK = 1 << 16;

/** Bins of the run's histogram (see histogramEdges). */
export const HISTOGRAM_BINS = 100;

/**
 * The run's histogram bins: HISTOGRAM_BINS equal bins over the closed-form mean ± 6 sd of the simulated h-day return
 * (mean h·(βᵀμ (+ α)), sd sqrt(h·(βᵀΣβ (+ s²))); the t factors have covariance Σ too). A function of the model and the
 * simulation settings only, so every shard bins identically and the summed counts do not depend on the split.
 * Samples below the first edge count in the first bin, samples above the last edge in the last bin (both open-ended).
 */
export function histogramEdges(model: FactorModel, simulation: SimulationSettings): { lo: number; width: number; edges: number[] } {
  const k = model.factors.length;
  let mean = 0;
  let variance = 0;
  for (let i = 0; i < k; i++) {
    mean += model.beta[i] * model.mu[i];
    for (let j = 0; j < k; j++) variance += model.beta[i] * model.cov[i][j] * model.beta[j];
  }
  if (simulation.intercept) mean += model.alpha;
  if (simulation.residual === 'normal') variance += model.residualVariance;
  const h = simulation.horizon;
  let sd = Math.sqrt(h * variance);
  if (!(sd > 0)) sd = 1e-12; // degenerate model: keep the bins finite and distinct
  const lo = h * mean - 6 * sd;
  const width = (12 * sd) / HISTOGRAM_BINS;
  const edges: number[] = [];
  for (let i = 0; i <= HISTOGRAM_BINS; i++) edges.push(lo + i * width);
  return { lo, width, edges };
}

/**
 * One pass over a chunk: sums[0] += x, sums[1] += x², and counts[bin of x] += 1 with bin = ⌊(x − lo)/width⌋ clamped
 * to the first/last bin (truncation is the floor once x − lo ≥ 0). Integer increments into `bins` (a chunk holds
 * < 2^32 samples), added to `counts` after.
 */
function scanChunk(
  chunk: Float64Array, count: number, lo: number, invWidth: number, bins: Uint32Array, counts: Float64Array, sums: Float64Array,
): void {
  const nb = bins.length;
  bins.fill(0);
  let sum = sums[0];
  let sumSquares = sums[1];
  for (let t = 0; t < count; t++) {
    const x = chunk[t];
    sum += x;
    sumSquares += x * x;
    const f = (x - lo) * invWidth;
    bins[f < 0 ? 0 : f >= nb ? nb - 1 : f | 0]++;
  }
  sums[0] = sum;
  sums[1] = sumSquares;
  for (let b = 0; b < nb; b++) counts[b] += bins[b];
}

/**
 * Streams over the shard's range keeping only its `tailSize` smallest samples (TailCollector: a buffer of
 * candidates below a running threshold; 2·m pairs, since a larger buffer means fewer compactions), and counting every sample into the run's histogram bins.
 * Memory O(tailSize), never O(range).
 * sum/sumSquares are accumulated in sample-index order (deterministic for a given shard, but they depend on the split,
 * so no reported risk number uses them).
 */
export function simulateShardPacked(
  d: ShardDescriptor,
  onProgress?: (done: number, total: number) => void,
  /** buffers to reuse (a local worker gets its previous shard's back): avoids allocation churn in long runs */
  scratch?: { values: Float64Array; indices: Uint32Array },
): PackedPartial {
  const { start, end } = d;
  const n = end - start;
  const m = Math.min(d.tailSize, n);
  if (m < 1) throw new RangeError(`shard ${d.shard}: tailSize must be ≥ 1`);
  const gen = new SampleGenerator(d.model, d.simulation);
  const cap = Math.min(n, m + Math.max(1024, m));
  const tail = new TailCollector(m, cap, scratch, { total: n });
  const bins = histogramEdges(d.model, d.simulation);
  const invWidth = 1 / bins.width;
  const counts = new Float64Array(HISTOGRAM_BINS);
  const chunkCounts = new Uint32Array(HISTOGRAM_BINS);
  const sums = new Float64Array(2);
  const chunk = new Float64Array(Math.min(n, PROGRESS_CHUNK));
  for (let c0 = start; c0 < end; c0 += PROGRESS_CHUNK) {
    const c1 = Math.min(end, c0 + PROGRESS_CHUNK);
    const count = c1 - c0;
    gen.fill(c0, count, chunk);
    scanChunk(chunk, count, bins.lo, invWidth, chunkCounts, counts, sums);
    tail.offer(chunk, count, c0);
    if (onProgress) onProgress(c1 - start, n);
  }
  let kept = tail.finish();
  if (kept === undefined) {
    // the speculative cut was too low (a ~1e−9 event): regenerate the range into an exact collector
    const exact = new TailCollector(m, cap, { values: tail.values, indices: tail.indices });
    for (let c0 = start; c0 < end; c0 += PROGRESS_CHUNK) {
      const count = Math.min(end, c0 + PROGRESS_CHUNK) - c0;
      gen.fill(c0, count, chunk);
      exact.offer(chunk, count, c0);
    }
    kept = exact.finish()!;
  }
  const { values, indices } = kept;
  return { shard: d.shard, start, end, count: n, sum: sums[0], sumSquares: sums[1], values, indices, histogram: Array.from(counts) };
}

/** The same as simulateShardPacked with the tail as plain arrays (the JSON-shaped ShardPartial). */
export function simulateShard(d: ShardDescriptor, onProgress?: (done: number, total: number) => void): ShardPartial {
  const p = simulateShardPacked(d, onProgress);
  return { ...p, values: Array.from(p.values), indices: Array.from(p.indices) };
}
