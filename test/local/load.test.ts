// Ten CSVs dropped into local S3 at once → ten SUCCEEDED runs, each under its own portfolio with VaR = k·VaR of the
// unscaled sample (none lost, none mixed); twenty concurrent API requests each get their own answer. The 50-upload
// case is `node --import tsx scripts/load.ts 50 20` (too slow for the suite on 2 cores).
import { describe, expect, it } from 'vitest';
import { checkLoad, runLoad, scaledCsv } from '../../scripts/load.ts';

describe('burst of uploads', () => {
  it('10 uploads at once → 10 right runs; 20 concurrent API requests served', async () => {
    const report = await runLoad({ uploads: 10, requests: 20, simulations: 5_000, stack: { workers: 2 } });
    expect(checkLoad(report)).toEqual([]);
    expect(report.uploads.map((u) => u.record.status)).toEqual(new Array(10).fill('SUCCEEDED'));
    expect(new Set(report.uploads.map((u) => u.runId)).size).toBe(10);
    expect(report.requests.map((r) => r.status)).toEqual(new Array(20).fill(200));
    // VaR grows with the scale: 0.5·VaR for k = 0.5 … up to 1.4·VaR
    const ref = report.reference.risk!['0.99'].var;
    expect(report.uploads[1].record.risk!['0.99'].var).toBeCloseTo(0.6 * ref, 12);
    expect(report.uploads[9].record.risk!['0.99'].var).toBeCloseTo(1.4 * ref, 12);

    // the checker itself catches a mix-up: swap two runs' records
    const swapped = { ...report, uploads: report.uploads.map((u, i) => (i === 3 ? { ...u, record: report.uploads[4].record } : u)) };
    expect(checkLoad(swapped)).toEqual([expect.stringMatching(/^load-003: got run .* of load-004/)]);
    const wrongNumbers = { ...report, uploads: report.uploads.map((u, i) => (i === 5 ? { ...u, scale: u.scale * 1.01 } : u)) };
    expect(checkLoad(wrongNumbers)).toEqual([expect.stringMatching(/^load-005: VaR99 /)]);
    console.log(`10 uploads → 10 SUCCEEDED in ${(report.wallMs / 1000).toFixed(2)} s wall; 20 requests in ${report.requestsMs.toFixed(0)} ms`);
  });

  it('scaledCsv keeps the sample exact for k = 1 and scales only the portfolio column', () => {
    const one = scaledCsv(1).split('\n');
    const two = scaledCsv(2).split('\n');
    expect(two[0]).toBe(one[0]);
    const [a, b] = [one[1].split(','), two[1].split(',')];
    expect(Number(b[1])).toBe(2 * Number(a[1]));
    expect(b.slice(2)).toEqual(a.slice(2));
    expect(b[0]).toBe(a[0]);
  });
});
