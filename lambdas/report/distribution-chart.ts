// The report's chart of the simulated return distribution: the samples' histogram against the model's closed form —
// or, where the model has none, against the normal approximation the run's `analytic: "approximation"` names; an
// enumeration (hs/fhs at one day) draws its scenarios only, since their histogram is the exact distribution.
import { usesStudentTClosedForm, usesTMixtureClosedForm } from '../engine/closed-form.ts';
import { horizonVarianceFactor } from '../engine/garch-path.ts';
import { mixtureCdf } from '../engine/models/t-mixture.ts';
import { mixtureScales, tPdf } from '../engine/risk.ts';
import { dailyMoments } from '../engine/simulate.ts';
import type { FactorModel, Histogram, RunResult, SimulationSettings } from '../engine/types.ts';
import { pct, pctLevel } from './format.ts';
import { axes, c, clip, extent, figure, type LegendItem, PALETTE, plot, polyline } from './svg.ts';

/** Mean and standard deviation of the simulated horizon return, in closed form from the model. */
export function analyticMoments(model: FactorModel, sim: SimulationSettings): { mean: number; sd: number } {
  const { mean, variance } = dailyMoments(model, sim);
  // a GARCH path's h-day variance is Σ_d E[σ²_d], not h·σ²_1 (garch-path.ts)
  return { mean: mean * sim.horizon, sd: Math.sqrt(Math.max(variance, 0) * horizonVarianceFactor(sim)) };
}

/** The density drawn over the histogram and its legend label. */
interface Curve {
  label: string;
  density: (x: number) => number;
}

/**
 * The model's exact density where it has one (normal, Student t, t factors plus a normal residual), else the normal
 * approximation with the horizon's moments (a sum of t days, a GARCH path, resampled scenario days: the levels'
 * `analytic: "approximation"`); undefined for an enumeration, which has no curve beyond its scenarios.
 */
export function referenceCurve(run: Pick<RunResult, 'model' | 'simulation' | 'risk'>): Curve | undefined {
  const sim = run.simulation;
  if (sim.exact === true) return undefined;
  const { mean, sd } = analyticMoments(run.model, sim);
  if (!(sd > 0)) return undefined;
  if (usesStudentTClosedForm(sim)) {
    const nu = sim.df;
    const scale = sd * Math.sqrt((nu - 2) / nu);
    return { label: `closed form (t, ${nu} df)`, density: (x) => tPdf((x - mean) / scale, nu) / scale };
  }
  if (usesTMixtureClosedForm(sim)) {
    const { m, a, s } = mixtureScales(run.model, sim);
    return { label: `closed form (t, ${sim.df} df, + normal residual)`, density: (x) => mixtureCdf(x, m, a, s, sim.df).pdf };
  }
  const approximate = Object.values(run.risk).some((r) => r.analytic === 'approximation');
  const k = 1 / (sd * Math.sqrt(2 * Math.PI));
  return { label: approximate ? 'normal approximation' : 'closed form (normal)', density: (x) => k * Math.exp(-0.5 * ((x - mean) / sd) ** 2) };
}

export function distributionChart(run: RunResult, histogram: Histogram | undefined): string {
  const { mean, sd } = analyticMoments(run.model, run.simulation);
  const levels = Object.keys(run.risk);
  const tails = levels.flatMap((k) => [-run.risk[k].var, -run.risk[k].es]);
  const hasHist = !!histogram && histogram.counts.length > 0 && histogram.edges.length === histogram.counts.length + 1;
  // density over all N samples: a histogram may leave out samples beyond its outer edges
  const total = hasHist ? Math.max(histogram!.counts.reduce((a, b) => a + b, 0), run.simulation.simulations) : 0;
  let [x0, x1] = extent([mean - 4.5 * sd, mean + 4.5 * sd, ...tails]);
  if (hasHist) {
    // trim empty outer bins so the picture is not mostly blank
    const first = histogram!.counts.findIndex((n) => n > 0), last = histogram!.counts.length - 1 - [...histogram!.counts].reverse().findIndex((n) => n > 0);
    if (first >= 0) [x0, x1] = [Math.min(x0, histogram!.edges[first]), Math.max(x1, histogram!.edges[last + 1])];
  }
  // y is the percent of all samples per bin; the closed form is drawn on the same scale (density × bin width)
  const widths = hasHist ? histogram!.edges.slice(1).map((e, i) => e - histogram!.edges[i]).sort((a, b) => a - b) : [];
  const binWidth = widths.length ? widths[widths.length >> 1] : (x1 - x0) / 80;
  const reference = referenceCurve(run);
  const curve: Array<[number, number]> = [];
  for (let i = 0; reference && i <= 200; i++) {
    const x = x0 + ((x1 - x0) * i) / 200;
    curve.push([x, reference.density(x) * binWidth * 100]);
  }
  let yMax = Math.max(0, ...curve.map(([, y]) => y));
  const bars: Array<{ a: number; b: number; d: number }> = [];
  if (hasHist && total > 0) {
    for (let i = 0; i < histogram!.counts.length; i++) {
      const a = histogram!.edges[i], b = histogram!.edges[i + 1];
      // a bin of another width is scaled to the common width so the bars and the curve stay comparable
      const d = ((histogram!.counts[i] / total) * 100 * binWidth) / (b - a);
      bars.push({ a, b, d });
      if (d > yMax) yMax = d;
    }
  }
  const levels0 = levels.map((k, i) => ({ k, color: PALETTE[(i + 1) % PALETTE.length] }));
  const items: LegendItem[] = [];
  const exact = run.simulation.exact === true;
  const unit = exact ? 'scenarios' : 'samples';
  if (bars.length) items.push({ label: `${exact ? 'scenario days' : 'simulated'} (${total.toLocaleString('en-US')})`, color: '#9ecae1' });
  if (reference) items.push({ label: reference.label, color: '#222' });
  for (const { k, color } of levels0) items.push({ label: `${pctLevel(k)} VaR`, color }, { label: `${pctLevel(k)} ES`, color, dash: '6 3' });
  const p = plot([x0, x1], [0, yMax * 1.05 || 1], { legend: items });
  const body: string[] = [clip('clip-dist', p), axes(p, { x: `${run.simulation.horizon}-day portfolio return (%)`, y: `% of ${unit} per ${(binWidth * 100).toPrecision(2)} pp bin` }, { xFormat: (v) => (v * 100).toFixed(Math.abs(x1 - x0) < 0.05 ? 1 : 0) })];
  body.push('<g clip-path="url(#clip-dist)">');
  for (const b of bars) {
    const xa = p.x(b.a), xb = p.x(b.b), y = p.y(b.d);
    body.push(`<rect class="bar" x="${c(xa)}" y="${c(y)}" width="${c(Math.max(xb - xa - 0.3, 0.5))}" height="${c(p.bottom - y)}"/>`);
  }
  if (curve.length) body.push(polyline(curve.map(([x, y]) => [p.x(x), p.y(y)]), 'stroke="#222" stroke-width="2"'));
  levels0.forEach(({ k, color }) => {
    for (const [v, dash] of [[-run.risk[k].var, '', 'VaR'], [-run.risk[k].es, '6 3', 'ES']] as const) {
      const x = p.x(v);
      body.push(`<line x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="${color}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
  });
  body.push('</g>');
  const thresholds = 'the loss thresholds −VaR (solid) and −ES (dashed) per level';
  const drawn = reference ? `the ${reference.label} on the same scale (mean ${pct(mean, 3)}, standard deviation ${pct(sd, 3)})` : '';
  const caption = exact
    ? `Histogram of the ${run.simulation.simulations.toLocaleString('en-US')} scenario days' returns (percent of the scenarios in each bin): the exact distribution of the enumeration, no Monte Carlo and no fitted curve; ${thresholds}.`
    : hasHist
      ? `Histogram of all ${total.toLocaleString('en-US')} simulated returns (percent of the samples in each bin), ${drawn}, and ${thresholds}.`
      : `The run carries no histogram of its samples: the chart shows ${drawn || 'no distribution'} (percent of samples per bin) and ${thresholds}.`;
  return figure('chart-distribution', exact ? 'Scenario return distribution' : 'Simulated return distribution', caption, p, body.join(''));
}
