import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { describe, expect, it } from 'vitest';
import { fmix32, SampleStream } from '../../lambdas/engine/rng.ts';

function moments(x: Float64Array) {
  const n = x.length;
  let m = 0;
  for (const v of x) m += v;
  m /= n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (const v of x) {
    const d = v - m;
    m2 += d * d;
    m3 += d * d * d;
    m4 += d * d * d * d;
  }
  m2 /= n; m3 /= n; m4 /= n;
  return { mean: m, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

function ksStatistic(x: Float64Array): number {
  const s = Float64Array.from(x).sort();
  const n = s.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = normalCdf(s[i], 0, 1);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

function corr(a: Float64Array, b: Float64Array): number {
  const ma = moments(a).mean, mb = moments(b).mean;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < a.length; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('fmix32', () => {
  it('matches murmur3 reference values and is a bijection on a sample', () => {
    // murmur3 fmix32(1) = 0x514e28b7, fmix32(0) = 0
    expect(fmix32(0)).toBe(0);
    expect(fmix32(1) >>> 0).toBe(0x514e28b7);
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) seen.add(fmix32(i));
    expect(seen.size).toBe(100_000);
  });
});

describe('SampleStream', () => {
  it('is deterministic in (seed, sample) and differs across samples and seeds', () => {
    const a = new SampleStream(123), b = new SampleStream(123), c = new SampleStream(124);
    const draw = (s: SampleStream, i: number) => {
      s.seedSample(i);
      return [s.nextInt(), s.nextInt(), s.normal(), s.uniform()];
    };
    b.seedSample(99); b.normal(); // history must not matter
    expect(draw(a, 5)).toEqual(draw(b, 5));
    expect(draw(a, 5)).not.toEqual(draw(a, 6));
    expect(draw(a, 5)).not.toEqual(draw(c, 5));
    // large seeds and sample indices above 2^32 are distinct streams too
    const big = new SampleStream(2 ** 53 - 1);
    expect(draw(big, 2 ** 32 + 5)).not.toEqual(draw(big, 5));
  });

  it('draws uniforms with the right moments', () => {
    const s = new SampleStream(1);
    s.seedSample(0);
    const n = 200_000;
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) u[i] = s.uniform();
    const m = moments(u);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(m.variance - 1 / 12)).toBeLessThan(5 * Math.sqrt(1 / 180 / n));
    expect(u.reduce((a, b) => Math.min(a, b), 1)).toBeGreaterThanOrEqual(0);
    expect(u.reduce((a, b) => Math.max(a, b), 0)).toBeLessThan(1);
  });

  it('draws standard normals: moments, KS against Φ, and the ziggurat tail beyond r', () => {
    const s = new SampleStream(2024);
    s.seedSample(3);
    const n = 1_000_000;
    const z = new Float64Array(n);
    let beyond = 0;
    for (let i = 0; i < n; i++) {
      z[i] = s.normal();
      if (Math.abs(z[i]) > 3.6541528853610088) beyond++;
    }
    const m = moments(z);
    expect(Math.abs(m.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m.skew)).toBeLessThan(5 * Math.sqrt(6 / n));
    expect(Math.abs(m.kurtosis - 3)).toBeLessThan(5 * Math.sqrt(24 / n));
    const pTail = 2 * normalCdf(-3.6541528853610088, 0, 1);
    expect(Math.abs(beyond - n * pTail)).toBeLessThan(5 * Math.sqrt(n * pTail));
    // KS at the 1% level: D < 1.628/sqrt(n)
    expect(ksStatistic(z.subarray(0, 200_000))).toBeLessThan(1.628 / Math.sqrt(200_000));
  });

  it("keeps adjacent samples' streams independent (first normals across samples)", () => {
    const s = new SampleStream(42);
    const n = 200_000;
    const first = new Float64Array(n), second = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s.seedSample(i);
      first[i] = s.normal();
      second[i] = s.normal();
    }
    expect(Math.abs(corr(first.subarray(0, n - 1), first.subarray(1)))).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(corr(first, second))).toBeLessThan(4 / Math.sqrt(n));
    // the first normal of each sample is itself N(0, 1)
    expect(ksStatistic(first)).toBeLessThan(1.628 / Math.sqrt(n));
  });

  it('draws gamma and chi-square with the right mean and variance (shape above and below 1)', () => {
    const s = new SampleStream(9);
    s.seedSample(0);
    const n = 200_000;
    for (const shape of [0.7, 2.5]) {
      const g = new Float64Array(n);
      for (let i = 0; i < n; i++) g[i] = s.gamma(shape);
      const m = moments(g);
      expect(Math.abs(m.mean - shape)).toBeLessThan(5 * Math.sqrt(shape / n));
      expect(Math.abs(m.variance / shape - 1)).toBeLessThan(0.03);
    }
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = s.chiSquare(5);
    const m = moments(c);
    expect(Math.abs(m.mean - 5)).toBeLessThan(5 * Math.sqrt(10 / n));
    expect(Math.abs(m.variance / 10 - 1)).toBeLessThan(0.03);
  });
});
