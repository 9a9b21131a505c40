// Exact distributed selection: which value brackets the shards keep, and the rare retry when a bracket missed.
//
// Pass 1 is speculative: for each level, the ranks it needs (the interpolation pair, the CI ranks, the last ES rank)
// are mapped to values through the model's quantile function, widened by SIGMAS binomial standard errors of the
// sample CDF (≈ √(Nq) ranks: O(√N) samples shipped per level, whatever the shard count). Where the model has no closed
// form (t with a horizon or a residual) a pilot of the run's first samples stands in for it, and its own sampling
// error widens the bracket. The reducer checks with exact counts that every needed rank fell inside its bracket; if
// not (≈ 1e−12 per edge with a closed form), a second pass runs with brackets taken from pass 1's histogram (one
// extra bin on each side absorbs the bin arithmetic's rounding), and a third, unbounded, can never miss.
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { TailMerger, tailRanks, type PackedPartial } from './tail.ts';
import type { Selection, ShardPartial, Transfer } from './types.ts';

/** Bracket half-width in binomial standard errors of the sample CDF. */
export const SIGMAS = 7;

/** The 0-based ranks a level needs, as one range: the interpolation pair, the CI ranks and the last ES rank. */
export function levelRanks(simulations: number, confidence: number): { min: number; max: number } {
  const r = tailRanks(simulations, confidence);
  return { min: Math.min(r.lower, r.ciLower - 1, r.esCount - 1), max: Math.max(r.upper, r.ciUpper - 1, r.esCount - 1) };
}

/**
 * The simulated return's distribution as far as pass 1 needs it: a closed-form quantile function, or a sorted pilot
 * of `pilot.length` iid samples of it.
 */
export type ReturnLaw =
  | { kind: 'normal'; mean: number; sd: number }
  | { kind: 't'; mean: number; sd: number; df: number }
  | { kind: 'pilot'; sorted: Float64Array };

function quantileOf(law: ReturnLaw, p: number): number {
  if (law.kind === 'normal') return law.mean + law.sd * normalQuantile(p, 0, 1);
  // R = mean + sd·sqrt((ν − 2)/ν)·T with T ~ t_ν (covariance-scaled Student-t)
  if (law.kind === 't') return law.mean + law.sd * Math.sqrt((law.df - 2) / law.df) * tQuantile(p, law.df);
  const s = law.sorted;
  return s[Math.min(s.length - 1, Math.max(0, Math.floor(p * s.length)))];
}

/** Pass 1's selection for `simulations` samples of `law` at the given levels. */
export function planSelection(simulations: number, confidence: number[], law: ReturnLaw): Selection {
  const n = simulations;
  const pilot = law.kind === 'pilot' ? law.sorted.length : 0;
  const scale = law.kind === 'pilot' ? Math.abs(law.sorted[law.sorted.length - 1] - law.sorted[0]) : law.sd;
  const margin = (p: number): number => {
    const v = Math.max(p * (1 - p), 1 / n);
    let d = SIGMAS * Math.sqrt(v / n) + 2 / n;
    if (pilot > 0) d += SIGMAS * Math.sqrt(Math.max(p * (1 - p), 1 / pilot) / pilot) + 2 / pilot;
    return d;
  };
  const intervals = confidence.map((c): [number, number] => {
    const { min, max } = levelRanks(n, c);
    const pa = min / n;
    const pb = (max + 1) / n;
    const a = pa - margin(pa);
    const b = pb + margin(pb);
    let lo = a <= 0 ? -Infinity : quantileOf(law, a);
    let hi = b >= 1 ? Infinity : quantileOf(law, b);
    // the closed form and the simulated sums round differently: widen by far more than a few ulps
    if (Number.isFinite(lo)) lo -= 1e-9 * (Math.abs(lo) + scale) + 1e-300;
    if (Number.isFinite(hi)) hi += 1e-9 * (Math.abs(hi) + scale) + 1e-300;
    if (!(lo <= hi)) return [-Infinity, Infinity]; // a quantile function that returned NaN: be safe
    return [lo, hi];
  });
  return mergeBrackets(1, intervals);
}

/**
 * Attribution bands per bounded bracket: its lower edge and SUBBANDS − 1 equally spaced edges inside it. The reducer
 * then regenerates only the ES samples between the last edge below a level's ES cut and the cut (about 1/SUBBANDS of
 * the bracket's, each replaying half a block on average), not all of the bracket's below the cut; the shards ship
 * SUBBANDS times as many (small) band sums.
 */
export const SUBBANDS = 8;

/** Sorts and unites the levels' intervals into disjoint brackets; their lower edges and sub-edges split the attribution. */
function mergeBrackets(pass: number, intervals: Array<[number, number]>): Selection {
  const order = intervals.map((iv, level) => ({ iv, level })).sort((x, y) => x.iv[0] - y.iv[0]);
  const merged: Array<{ lo: number; hi: number; levels: number[] }> = [];
  for (const { iv, level } of order) {
    const last = merged[merged.length - 1];
    if (last && iv[0] <= last.hi) {
      last.hi = Math.max(last.hi, iv[1]);
      last.levels.push(level);
    } else merged.push({ lo: iv[0], hi: iv[1], levels: [level] });
  }
  return {
    pass,
    brackets: merged.map((b) => [Number.isFinite(b.lo) ? b.lo : null, Number.isFinite(b.hi) ? b.hi : null]),
    attributeBelow: merged.filter((b) => Number.isFinite(b.lo)).flatMap((b) => bandEdges(b.lo, b.hi)),
  };
}

/** A bracket's attribution edges: lo, then, when hi is finite, up to SUBBANDS − 1 distinct edges strictly inside. */
function bandEdges(lo: number, hi: number): number[] {
  const edges = [lo];
  if (!Number.isFinite(hi)) return edges;
  for (let s = 1; s < SUBBANDS; s++) {
    const e = lo + ((hi - lo) * s) / SUBBANDS;
    if (e > edges[edges.length - 1] && e < hi) edges.push(e);
  }
  return edges;
}

/** Levels whose needed ranks a merged pass did not capture (each in one bracket, so its component ES is exact too). */
export function missedLevels(merger: TailMerger, confidence: number[]): number[] {
  const missed: number[] = [];
  confidence.forEach((c, level) => {
    const { min, max } = levelRanks(merger.simulations, c);
    const j = merger.locate(min);
    if (j < 0 || merger.locate(max) !== j) missed.push(level);
  });
  return missed;
}

/**
 * The next pass's selection: levels that were captured keep their bracket; a missed level gets the histogram bins
 * holding its ranks plus one bin on each side (the first and last bins are open-ended); on a third pass, everything.
 */
export function retrySelection(merger: TailMerger, confidence: number[], edges: number[]): Selection {
  const previous = merger.selection!;
  const missed = new Set(missedLevels(merger, confidence));
  const counts = merger.histogramCounts();
  const nb = counts?.length ?? 0;
  const cumulative = [0];
  for (let b = 0; b < nb; b++) cumulative.push(cumulative[b] + counts![b]);
  const binOf = (r: number): number => {
    let b = 0;
    while (b < nb - 1 && cumulative[b + 1] <= r) b++;
    return b;
  };
  const intervals = confidence.map((c, level): [number, number] => {
    const { min } = levelRanks(merger.simulations, c);
    if (!missed.has(level)) {
      const [lo, hi] = previous.brackets[merger.locate(min)];
      return [lo ?? -Infinity, hi ?? Infinity];
    }
    if (previous.pass >= 2 || counts === undefined || edges.length !== nb + 1) return [-Infinity, Infinity];
    const { max } = levelRanks(merger.simulations, c);
    const bLo = binOf(min) - 1;
    const bHi = binOf(max) + 2;
    return [bLo >= 1 ? edges[bLo] : -Infinity, bHi <= nb - 1 ? edges[bHi] : Infinity];
  });
  return mergeBrackets(previous.pass + 1, intervals);
}

/**
 * Makes sure `merger` captured every needed rank: if a level missed, runs the shards again (`rerun` gets the new
 * selection and returns the partials of the same shard ranges) until one pass captures them all (at most 3).
 */
export function selectExactly(
  merger: TailMerger,
  confidence: number[],
  edges: number[],
  rerun: (selection: Selection, ranges: Array<{ shard: number; start: number; end: number }>) => Iterable<ShardPartial | PackedPartial>,
): { merger: TailMerger; transfer: Transfer } {
  const transfer: Transfer = { passes: 1, bytes: merger.bytes, samplesShipped: merger.samplesShipped };
  let m = merger;
  while (missedLevels(m, confidence).length > 0) {
    if (m.selection!.pass >= 3) throw new Error('exact selection: an unbounded pass missed a rank');
    const next = retrySelection(m, confidence, edges);
    const again = new TailMerger(m.simulations);
    for (const p of rerun(next, m.ranges())) again.add(p);
    if (!again.complete) throw new Error(`pass ${next.pass} covered ${again.covered} of ${m.simulations} samples`);
    transfer.passes++;
    transfer.bytes += again.bytes;
    transfer.samplesShipped += again.samplesShipped;
    m = again;
  }
  return { merger: m, transfer };
}
