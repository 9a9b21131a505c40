// An append-only typed array that doubles when full: the reader keeps only parsed numbers, never the text.

/**
 * A typed array with a length, grown by doubling.
 *
 * @example const g = growableF64(); g.push(1.5); g.data.subarray(0, g.length) // Float64Array [1.5]
 */
export class Growable<T extends Float64Array | Int32Array> {
  length = 0;
  constructor(
    public data: T,
    private readonly make: (size: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = this.make(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
}

export const growableF64 = () => new Growable(new Float64Array(256), (n) => new Float64Array(n));
export const growableI32 = () => new Growable(new Int32Array(256), (n) => new Int32Array(n));
