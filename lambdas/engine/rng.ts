// Reproducible counter-seeded random streams.
//
// Why hand-written: varstream's promise is that sample i's random numbers depend only on (seed, i). Then a run gives
// bit-identical numbers for any shard/worker split, and a retried shard reproduces its partial exactly. A library
// generator with one sequential state cannot do that without jumping; a counter-seeded generator can. Two kinds of
// stream, both a 128-bit xoshiro128** state derived by a strong 32-bit mixer (murmur3 fmix32, applied in a
// splitmix-like way with a distinct constant per lane):
// - block streams (seedBlock(b)): one per block of BLOCK consecutive samples, drawn in sample order. They carry the
//   hot loop's draws, so its seeding (five fmix32) is paid once per 1,024 samples, not once per sample;
// - sample streams (seedSample(i)): one per sample, for draws only a few samples ever need (the factors' orthogonal
//   part for attribution), so regenerating them never replays a block.
// Only 32-bit integer ops (Math.imul, shifts), so V8 keeps it in int32 registers; normals come from a 256-layer
// ziggurat (Marsaglia–Tsang) with 52-bit magnitudes built from two 32-bit outputs (8 bits layer, 1 bit sign, 23 + 29
// bits mantissa), like numpy's 64-bit ziggurat. Each lane gets its own full fmix32: cheaper lane derivations leave
// the four lanes linearly related, and xoshiro's linear engine xors lanes together (s2 ^= s0, …), so early outputs
// could cancel the counter's part. simulate.ts inlines seedBlock/nextInt/normal in its hot loop: any change here must
// be mirrored there (a test checks the two bit for bit).

/** Samples per block stream (shards start on block edges when they are large enough). */
export const BLOCK = 1024;

/** murmur3's 32-bit finalizer: a bijection on 32 bits with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

const TWO32 = 4294967296;
const TWO_M53 = 2 ** -53;

// Ziggurat tables (Marsaglia & Tsang 2000, 256 layers), scaled for a 52-bit integer magnitude u in [0, 2^52).
const ZIG_R = 3.6541528853610088;
const ZIG_V = 0.00492867323399;
const ZIG_M = 2 ** 52;
/** accept u·W[i] at once when u < K[i] */
export const ZK = new Float64Array(256);
export const ZW = new Float64Array(256);
const ZF = new Float64Array(256);
{
  let dn = ZIG_R;
  let tn = dn;
  const q = ZIG_V / Math.exp(-0.5 * dn * dn);
  ZK[0] = (dn / q) * ZIG_M;
  ZK[1] = 0;
  ZW[0] = q / ZIG_M;
  ZW[255] = dn / ZIG_M;
  ZF[0] = 1;
  ZF[255] = Math.exp(-0.5 * dn * dn);
  for (let i = 254; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(ZIG_V / dn + Math.exp(-0.5 * dn * dn)));
    ZK[i + 1] = (dn / tn) * ZIG_M;
    tn = dn;
    ZF[i] = Math.exp(-0.5 * dn * dn);
    ZW[i] = dn / ZIG_M;
  }
}

/**
 * One generator object reused for every sample of a shard (no allocation per sample): `seedSample(i)` resets it to
 * sample i's stream. Draw order within a sample is part of the reproducibility contract (see simulate.ts).
 */
export class SampleStream {
  /**
   * The xoshiro state s0..s3 (public only so that sample-generator.ts's inlined hot loop can hand it to normalSlow and
   * back, and save and restore it in one call).
   */
  readonly state = new Int32Array(4);
  // per-seed lane keys (read by the inlined seeding in simulate.ts)
  readonly k0: number;
  readonly k1: number;
  readonly k2: number;
  readonly k3: number;
  /** the block streams' key (read by the inlined seeding in simulate.ts) */
  readonly blockKey: number;
  private readonly base: number;
  private hi = -1;
  private hiKey = 0;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = (seed - lo) / TWO32;
    const base = fmix32(lo ^ fmix32((hi + 0x6a09e667) | 0));
    this.base = base;
    // distinct lane constants (golden-ratio Weyl steps, as in splitmix) so the four lanes never coincide
    this.k0 = fmix32((base + 0x9e3779b9) | 0);
    this.k1 = fmix32((base + 0x3c6ef372) | 0);
    this.k2 = fmix32((base + 0xdaa66d2b) | 0);
    this.k3 = fmix32((base + 0x78dde6e4) | 0);
    this.blockKey = fmix32((base ^ 0x510e527f) | 0);
  }

  /** Resets the state to block b's stream (samples b·BLOCK … b·BLOCK + BLOCK − 1, b < 2^32): a function of (seed, b). */
  seedBlock(b: number): void {
    const x = fmix32((b ^ this.blockKey) | 0);
    this.setLanes(x);
  }

  /** Resets the state to sample i's stream: a function of (seed, i) only. */
  seedSample(i: number): void {
    const lo = i >>> 0;
    const hi = (i - lo) / TWO32;
    if (hi !== this.hi) {
      this.hi = hi;
      this.hiKey = this.hiKeyOf(hi);
    }
    // bijective in lo for a fixed hi, so distinct samples never share a state
    this.setLanes(fmix32(lo ^ this.hiKey));
  }

  private setLanes(x: number): void {
    const s = this.state;
    s[0] = fmix32((x + this.k0) | 0);
    s[1] = fmix32((x + this.k1) | 0);
    s[2] = fmix32((x + this.k2) | 0);
    s[3] = fmix32((x + this.k3) | 0);
    if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro's one forbidden state
  }

  /** The key of the sample indices whose upper 32 bits are `hi` (shared by 2^32 consecutive samples). */
  private hiKeyOf(hi: number): number {
    return fmix32((hi ^ this.base ^ 0xbb67ae85) | 0);
  }

  /** xoshiro128** output as an int32 (use `>>> 0` for the unsigned value). */
  nextInt(): number {
    const s = this.state;
    const s0 = s[0];
    const s1 = s[1];
    let s2 = s[2];
    let s3 = s[3];
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s[1] = s1 ^ s2;
    s[0] = s0 ^ s3;
    s[2] = s2 ^ t;
    s[3] = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextInt() >>> 5;
    const b = this.nextInt() >>> 6;
    return (a * 67108864 + b) * TWO_M53;
  }

  /** Standard normal by the 256-layer ziggurat. */
  normal(): number {
    for (;;) {
      const a = this.nextInt();
      const b = this.nextInt();
      const iz = a & 255;
      const u = (a >>> 9) * 536870912 + (b >>> 3); // 23 + 29 = 52 bits
      // branch-free sign (×±1 is an exact negation): a 50/50 branch mispredicts every other normal
      if (u < ZK[iz]) return u * ZW[iz] * (1 - ((a >>> 7) & 2));
      const r = this.normalSlow(iz, u);
      if (r === r) return (a & 256) === 0 ? r : -r; // NaN = rejected, draw again
    }
  }

  /** The rare ziggurat paths (about 1.2% of draws): base-strip tail or wedge; NaN means rejected. */
  normalSlow(iz: number, u: number): number {
    if (iz === 0) {
      let x: number;
      let y: number;
      do {
        x = -Math.log(1 - this.uniform()) / ZIG_R;
        y = -Math.log(1 - this.uniform());
      } while (y + y < x * x);
      return ZIG_R + x;
    }
    const x = u * ZW[iz];
    if (ZF[iz] + this.uniform() * (ZF[iz - 1] - ZF[iz]) < Math.exp(-0.5 * x * x)) return x;
    return NaN;
  }

  /** Gamma(shape, 1) by Marsaglia–Tsang (2000); shape < 1 uses the boost Gamma(a+1)·U^(1/a). */
  gamma(shape: number): number {
    if (shape < 1) {
      const g = this.gamma(shape + 1);
      return g * (1 - this.uniform()) ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** χ²_ν = 2·Gamma(ν/2). */
  chiSquare(df: number): number {
    return 2 * this.gamma(df / 2);
  }
}

