// The samples of a shard's chunk that attribution must regenerate, with where their random streams stood.

/**
 * Samples a fill() found below `top`, with the block stream's state at the start of each: attribution regenerates just
 * these (Sampler.regenerate), so the hot loop pays one comparison per sample instead of saving every state.
 */
export class TailMarks {
  size = 0;
  indices = new Float64Array(256);
  states = new Int32Array(4 * 256);

  constructor(readonly top: number) {}

  push(i: number, s0: number, s1: number, s2: number, s3: number): void {
    if (this.size === this.indices.length) {
      const indices = new Float64Array(2 * this.size);
      indices.set(this.indices);
      const states = new Int32Array(8 * this.size);
      states.set(this.states);
      this.indices = indices;
      this.states = states;
    }
    const t = this.size++;
    this.indices[t] = i;
    this.states[4 * t] = s0;
    this.states[4 * t + 1] = s1;
    this.states[4 * t + 2] = s2;
    this.states[4 * t + 3] = s3;
  }
}
