import { describe, expect, it } from 'vitest';
import { growableF64, growableI32 } from '../../../lambdas/engine/csv/growable.ts';

describe('Growable', () => {
  it('keeps every pushed value in order across doublings', () => {
    const f = growableF64();
    const i = growableI32();
    for (let k = 0; k < 1000; k++) {
      f.push(k / 7);
      i.push(-k);
    }
    expect(f.length).toBe(1000);
    expect(f.data.length).toBe(1024); // 256 doubled twice
    expect(Array.from(f.data.subarray(0, 1000))).toEqual(Array.from({ length: 1000 }, (_, k) => k / 7));
    expect(i.data[999]).toBe(-999);
    expect(i.data).toBeInstanceOf(Int32Array);
  });
});
