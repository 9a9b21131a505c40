// The seeded pieces of the large test inputs (scripts/faults.ts's 50 MB upload, scripts/make-big-csv.ts's fit file):
// one generator and one date rule, so both files stay reproducible and are built the same way.

/** Standard normals from xorshift32 + Box-Muller, started from a fixed seed: every call of the factory replays them. */
export function seededNormals(seed = 0x9e3779b9): () => number {
  let s = seed;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const DAY0 = Date.UTC(100, 0, 1); // 10^6 days from year 100 stay within year 9999

/** The i-th consecutive calendar day from 0100-01-01, as ISO YYYY-MM-DD. */
export function isoDay(i: number): string {
  const d = new Date(DAY0 + i * 86_400_000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}
