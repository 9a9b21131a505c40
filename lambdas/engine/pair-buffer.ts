// A growing list of (value, sample index) pairs in typed arrays: what a bracket collects on a shard and in the reducer.

/** A growing list of (value, index) pairs. */
export class PairBuffer {
  values = new Float64Array(64);
  indices = new Uint32Array(64);
  size = 0;

  push(v: number, i: number): void {
    if (this.size === this.values.length) this.grow(this.size + 1);
    this.values[this.size] = v;
    this.indices[this.size++] = i;
  }

  append(v: Float64Array, ix: Uint32Array): void {
    if (this.size + v.length > this.values.length) this.grow(this.size + v.length);
    this.values.set(v, this.size);
    this.indices.set(ix, this.size);
    this.size += v.length;
  }

  private grow(need: number): void {
    const cap = Math.max(need, 2 * this.values.length);
    const v = new Float64Array(cap);
    v.set(this.values.subarray(0, this.size));
    const ix = new Uint32Array(cap);
    ix.set(this.indices.subarray(0, this.size));
    this.values = v;
    this.indices = ix;
  }
}
