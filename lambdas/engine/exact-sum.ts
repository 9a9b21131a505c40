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
