// A stored partial that is not what Reduce expects is a StoredDataError naming its key, never a silent wrong merge.
import { describe, expect, it } from 'vitest';
import { StoredDataError } from '../../lambdas/contracts/errors.ts';
import { decodePacked, encodePartial } from '../../lambdas/engine/partial-codec.ts';

describe('decodePacked', () => {
  const bytes = encodePartial({ shard: 0, start: 0, end: 3, count: 3, sum: -2.5, sumSquares: 5.25, values: [-2, -1, 0.5], indices: [2, 0, 1] });
  it('names the key of a truncated, foreign or wrongly sized partial', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [bytes.subarray(0, 10), /^partials\/r\/0\.bin: truncated header$/],
      [new Uint8Array(bytes.byteLength), /not a varstream partial/],
      [bytes.subarray(0, bytes.byteLength - 4), /^partials\/r\/0\.bin: expected \d+ bytes, got \d+$/],
    ];
    for (const [b, message] of cases) {
      let thrown: unknown;
      try {
        decodePacked(b, 'partials/r/0.bin');
      } catch (e) {
        thrown = e;
      }
      expect(thrown).toBeInstanceOf(StoredDataError);
      expect((thrown as StoredDataError).payload).toEqual({ key: 'partials/r/0.bin' });
      expect((thrown as StoredDataError).message).toMatch(message);
    }
  });
});
