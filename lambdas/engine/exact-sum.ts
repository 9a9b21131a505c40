// Exact, order-independent summation of doubles (Shewchuk 1997, "Adaptive precision floating-point arithmetic";
// the algorithm of Python's math.fsum). The running sum is a list of non-overlapping partials whose exact sum is the
// exact sum of everything added; `value()` rounds that exact sum once, correctly (round half to even). So the result
// does not depend on the order of the additions nor on how they were split between shards and merged: the property
// the run's ES and component ES need to be bit-identical for every shard and worker count.

export class ExactSum {
  /** p[0 … n): non-overlapping partials, increasing magnitude (a typed array with a count: no array resizing) */
  private p = new Float64Array(4);
  private n = 0;

  /** From serialized partials (a shard's message). */
  static from(partials: readonly number[]): ExactSum {
    const s = new ExactSum();
    for (const x of partials) s.add(x);
    return s;
  }

  add(x: number): void {
    if (!Number.isFinite(x)) throw new RangeError(`exact sum: ${x} is not finite`);
    const p = this.p;
    const n = this.n;
    let i = 0;
    for (let j = 0; j < n; j++) {
      let y = p[j];
      if (Math.abs(x) < Math.abs(y)) {
        const t = x;
        x = y;
        y = t;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) p[i++] = lo;
      x = hi;
    }
    if (!Number.isFinite(x)) throw new RangeError('exact sum overflowed');
    if (i === p.length) {
      const grown = new Float64Array(2 * p.length);
      grown.set(p);
      this.p = grown;
    }
    this.p[i] = x;
    this.n = i + 1;
  }

  /** Adds another sum's exact value. */
  merge(other: ExactSum | readonly number[]): void {
    const xs = other instanceof ExactSum ? other.partials() : other;
    for (const x of xs) this.add(x);
  }

  /** The partials (JSON-safe finite numbers): their exact sum is this sum. */
  partials(): number[] {
    return Array.from(this.p.subarray(0, this.n));
  }

  /** The exact sum correctly rounded to a double. */
  value(): number {
    const p = this.p;
    let n = this.n;
    if (n === 0) return 0;
    let hi = p[--n];
    let lo = 0;
    while (n > 0) {
      const x = hi;
      const y = p[--n];
      hi = x + y;
      const yr = hi - x;
      lo = y - yr;
      if (lo !== 0) break;
    }
    // half-way case: the rounding of hi + lo went the wrong way if the next partial has lo's sign
    if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
      const y = lo * 2;
      const x = hi + y;
      if (y === x - hi) hi = x;
    }
    return hi;
  }
}

// ExactAccumulator's exponent buckets: x (biased exponent E ≥ 1; subnormals, E = 0, use E = 1's constant) is a multiple of 2^(E−1075) with
// |x| < 2^(E−1022). Adding and subtracting MAGIC[E] = 1.5·2^(E−997) rounds it to hi, a multiple of 2^(E−1049) (the
// rounding is exact: x is far below MAGIC's binade and Sterbenz makes the subtraction exact); lo = x − hi is exact and
// |lo| ≤ 2^(E−1050). So bucket E's hi sum is a multiple of 2^(E−1049) below 2^27 of them per add, and its lo sum a
// multiple of 2^(E−1075) below 2^25 per add: both stay exact for 2^26 adds, after which they are flushed.
const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
/** the word of F64 holding the sign and exponent (the high word: index 1 on little-endian machines) */
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
/** exponents at or above this go to the exact list directly (|x| ≥ 2^998, or not finite) */
const FAST_LIMIT = 2021;
const MAGIC = new Float64Array(FAST_LIMIT);
for (let e = 0; e < FAST_LIMIT; e++) MAGIC[e] = 1.5 * 2 ** (Math.max(e, 1) - 997); // subnormals (e = 0) share e = 1's quantum
const FLUSH_EVERY = 2 ** 26;

/**
 * The same exact sum as ExactSum for hot loops (a few ns per add instead of a walk over the partials): doubles are split
 * into two exactly summable halves and added into buckets by exponent, flushed into an ExactSum every 2^26 adds and
 * when read. partials() and value() equal ExactSum's for the same additions (the exact sum does not depend on the path).
 */
export class ExactAccumulator {
  /** bucket e's hi sum at 2e, its lo sum at 2e + 1 (one cache line) */
  private readonly buckets = new Float64Array(2 * FAST_LIMIT);
  private adds = 0;
  private readonly exact = new ExactSum();

  add(x: number): void {
    F64[0] = x;
    const e = (U32[HIGH] >>> 20) & 2047;
    if (e >= FAST_LIMIT) {
      this.exact.add(x); // huge or not finite: ExactSum's own checks
      return;
    }
    const m = MAGIC[e];
    const h = x + m - m;
    const b = this.buckets;
    b[2 * e] += h;
    b[2 * e + 1] += x - h;
    if (++this.adds === FLUSH_EVERY) this.flush();
  }

  /** Moves the buckets into the exact partials (bucket sums are exact doubles). */
  private flush(): void {
    const b = this.buckets;
    for (let j = 0; j < b.length; j++) {
      if (b[j] !== 0) {
        this.exact.add(b[j]);
        b[j] = 0;
      }
    }
    this.adds = 0;
  }

  /** The exact sum so far as an ExactSum (its partials, value()). */
  sum(): ExactSum {
    this.flush();
    return this.exact;
  }

  partials(): number[] {
    return this.sum().partials();
  }

  value(): number {
    return this.sum().value();
  }
}
