// The self-contained HTML report of a run: one file, no script, no external resource, charts drawn as inline SVG.
// Pure: takes the run JSON (plus an optional backtest) and returns the HTML text.
import type { FactorModel, Histogram, RunResult, SimulationSettings } from '../engine/types.ts';
import type { BacktestResult, BacktestSeries } from '../engine/backtest.ts';
import { tPdf } from '../engine/risk.ts';
import { dailyMoments } from '../engine/simulate.ts';
import { PALETTE, axes, c, clip, escapeHtml, extent, figure, linear, pad, plot, polyline, type LegendItem } from './svg.ts';

export type { Histogram };

export interface ReportExtras {
  /** overrides `run.histogram` when given */
  histogram?: Histogram;
  backtest?: BacktestResult & { series?: BacktestSeries };
  /** shown in the header; defaults to the run's window */
  title?: string;
  /** ISO timestamp shown in the footer; omitted when absent so the HTML is reproducible */
  generatedAt?: string;
}

export function renderReport(run: RunResult, extras: ReportExtras = {}): string {
  const histogram = extras.histogram ?? run.histogram;
  const title = extras.title ?? `varstream: ${run.portfolio} ${run.window.start} … ${run.window.end}`;
  const sections: string[] = [
    summarySection(run),
    riskSection(run, histogram),
    factorSection(run),
    lassoSection(run),
    residualSection(run),
    attributionSection(run),
    stressSection(run),
  ];
  if (extras.backtest) sections.push(backtestSection(extras.backtest));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<p class="meta">${escapeHtml(run.observations)} daily returns · ${escapeHtml(run.simulation.simulations.toLocaleString('en-US'))} simulations (${escapeHtml(run.simulation.shards)} shard${run.simulation.shards === 1 ? '' : 's'}, seed ${escapeHtml(run.simulation.seed)}) · ${escapeHtml(describeSimulation(run.simulation))}</p></header>
<main>
${sections.filter(Boolean).join('\n')}
</main>
<footer>varstream report${extras.generatedAt ? ` · generated ${escapeHtml(extras.generatedAt)}` : ''}</footer>
</body>
</html>
`;
}

// ---------------------------------------------------------------------------------------------------------------------
// sections

function summarySection(run: RunResult): string {
  const f = run.final;
  const warn = run.warnings.length
    ? `<ul class="warnings">${run.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '';
  const adequacy = run.adequate
    ? `<span class="ok">adequate</span>`
    : `<span class="bad">not adequate</span>`;
  return `<section id="summary"><h2>Model</h2>
<p>Portfolio <strong>${escapeHtml(run.portfolio)}</strong> on ${escapeHtml(run.selected.join(', ') || 'no factor')}: R² ${fmt(f.r2, 4)} (adjusted ${fmt(f.adjR2, 4)}) — ${adequacy}.</p>
${warn}
<dl class="kv">
<div><dt>F statistic</dt><dd>${fmt(f.fStat, 2)} (p ${fmtP(f.fPValue)})</dd></div>
<div><dt>Residual std error</dt><dd>${fmt(f.residualStdError, 6)}</dd></div>
<div><dt>Durbin–Watson</dt><dd>${fmt(f.durbinWatson, 3)}</dd></div>
<div><dt>Jarque–Bera</dt><dd>${fmt(f.jarqueBera.stat, 2)} (p ${fmtP(f.jarqueBera.pValue)}), skew ${fmt(f.jarqueBera.skew, 3)}, kurtosis ${fmt(f.jarqueBera.kurtosis, 3)}</dd></div>
<div><dt>Breusch–Pagan</dt><dd>${fmt(f.breuschPagan.stat, 2)} (p ${fmtP(f.breuschPagan.pValue)})</dd></div>
<div><dt>Intercept α</dt><dd>${fmt(run.model.alpha, 6)}${run.simulation.intercept ? '' : ' (not simulated)'}</dd></div>
</dl></section>`;
}

function riskSection(run: RunResult, histogram: Histogram | undefined): string {
  const levels = Object.keys(run.risk);
  const money = run.value !== undefined;
  const rows = levels
    .map((k) => {
      const r = run.risk[k];
      return `<tr><td>${escapeHtml(pctLevel(k))}</td><td>${pct(r.var)}</td><td>${pct(r.es)}</td><td>${pct(r.analyticVar)}</td><td>${pct(r.analyticEs)}</td><td>${pct(r.standardError, 4)}</td><td>${pct(r.ci95[0])} – ${pct(r.ci95[1])}</td>${
        money ? `<td>${money2(r.varValue)}</td><td>${money2(r.esValue)}</td>` : ''
      }</tr>`;
    })
    .join('');
  const head = `<tr><th>Level</th><th>VaR</th><th>ES</th><th>Closed-form VaR</th><th>Closed-form ES</th><th>Std error</th><th>95% CI of VaR</th>${
    money ? `<th>VaR (${escapeHtml(money2(run.value))})</th><th>ES</th>` : ''
  }</tr>`;
  return `<section id="risk"><h2>Value at Risk</h2>
<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${distributionChart(run, histogram)}</section>`;
}

function factorSection(run: RunResult): string {
  const vifSteps = new Map<string, { index: number; value: number }>();
  const pSteps = new Map<string, { index: number; value: number }>();
  run.screening.steps.forEach((s, i) => (s.reason === 'vif' ? vifSteps : pSteps).set(s.factor, { index: i + 1, value: s.value }));
  const lasso = run.lasso;
  const rows = run.candidates
    .map((name) => {
      const full = run.full.coefficients[name];
      const fin = run.final.coefficients[name];
      let decision: string;
      const v = vifSteps.get(name), p = pSteps.get(name);
      if (v) decision = `<span class="bad">dropped step ${v.index}: VIF ${fmt(v.value, 2)}</span>`;
      else if (p) decision = `<span class="bad">dropped step ${p.index}: p ${fmtP(p.value)}</span>`;
      else if (run.selected.includes(name)) decision = `<span class="ok">kept</span>`;
      else decision = 'not selected';
      const inCv = lasso.cvSelected.includes(name), in1se = lasso.selected1se.includes(name);
      return `<tr><th scope="row">${escapeHtml(name)}</th><td>${fmt(run.full.vif[name], 2)}</td><td>${fmt(full?.estimate, 4)}</td><td>${fmtP(full?.pValue)}</td><td>${decision}</td><td>${fin ? fmt(fin.estimate, 4) : ''}</td><td>${fin ? fmt(fin.tStat, 2) : ''}</td><td>${fin ? fmtP(fin.pValue) : ''}</td><td>${fin ? fmt(run.final.vif[name], 2) : ''}</td><td>${inCv ? '✓' : '·'} / ${in1se ? '✓' : '·'}</td></tr>`;
    })
    .join('');
  const constant = run.final.coefficients.const;
  const constRow = constant
    ? `<tr><th scope="row">const</th><td></td><td>${fmt(run.full.coefficients.const?.estimate, 6)}</td><td>${fmtP(run.full.coefficients.const?.pValue)}</td><td></td><td>${fmt(constant.estimate, 6)}</td><td>${fmt(constant.tStat, 2)}</td><td>${fmtP(constant.pValue)}</td><td></td><td></td></tr>`
    : '';
  return `<section id="factors"><h2>Factors and screening</h2>
<p>Screening drops the highest VIF above the threshold, then the highest p-value above it, one at a time, refitting after each step.</p>
<div class="table-wrap"><table><thead><tr><th>Factor</th><th>VIF (all)</th><th>β (all)</th><th>p (all)</th><th>Decision</th><th>β (final)</th><th>t (final)</th><th>p (final)</th><th>VIF (final)</th><th>LASSO CV / 1-SE</th></tr></thead>
<tbody>${rows}${constRow}</tbody></table></div></section>`;
}

function lassoSection(run: RunResult): string {
  return `<section id="lasso"><h2>LASSO confirmation</h2>
<p>CV-optimal α = ${fmtSci(run.lasso.cvAlpha)} selects ${escapeHtml(run.lasso.cvSelected.join(', ') || 'nothing')}; the 1-SE α = ${fmtSci(run.lasso.alpha1se)} selects ${escapeHtml(run.lasso.selected1se.join(', ') || 'nothing')}.</p>
${lassoChart(run)}${cvChart(run)}</section>`;
}

function residualSection(run: RunResult): string {
  return `<section id="residuals"><h2>Residuals</h2>${qqChart(run)}</section>`;
}

function attributionSection(run: RunResult): string {
  const names = Object.keys(run.attribution);
  if (!names.length) return '';
  return `<section id="attribution"><h2>Risk attribution</h2>${attributionChart(run)}</section>`;
}

function stressSection(run: RunResult): string {
  if (!run.stress.length) return '';
  const rows = run.stress
    .map((s) => {
      const shock = Object.entries(s.shock).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      const implied = Object.entries(s.factors).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      return `<tr><td>${shock}</td><td>${pct(s.direct)}</td><td>${pct(s.conditional)}</td><td class="small">${implied}</td></tr>`;
    })
    .join('');
  return `<section id="stress"><h2>Stress scenarios</h2>
<div class="table-wrap"><table><thead><tr><th>Shock</th><th>Direct P&amp;L</th><th>Conditional P&amp;L</th><th>Implied factor moves</th></tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

function backtestSection(bt: BacktestResult & { series?: BacktestSeries }): string {
  const rows = Object.entries(bt.levels)
    .map(([k, l]) => {
      const zone = l.trafficLight.zone;
      return `<tr><td>${escapeHtml(pctLevel(k))}</td><td>${l.exceptions} / ${l.observations}</td><td>${pct(l.rate)}</td><td>${pct(l.expectedRate)}</td><td>${fmt(l.kupiec.lr, 3)} (p ${fmtP(l.kupiec.pValue)})</td><td>${fmt(l.christoffersen.lr, 3)} (p ${fmtP(l.christoffersen.pValue)})</td><td>${fmt(l.conditionalCoverage.lr, 3)} (p ${fmtP(l.conditionalCoverage.pValue)})</td><td><span class="zone ${zone}">${zone}</span> ${l.trafficLight.exceptions} in ${l.trafficLight.days} d</td></tr>`;
    })
    .join('');
  const window = (w: { start: string; end: string; observations?: number } | undefined) =>
    w ? `${escapeHtml(w.start)} … ${escapeHtml(w.end)}${w.observations !== undefined ? ` (${w.observations} days)` : ''}` : '—';
  const rolling = bt.rolling ? ` Rolling re-estimation: ${bt.rolling.window}-day window every ${bt.rolling.step} days (${bt.rolling.refits.length} fits).` : '';
  return `<section id="backtest"><h2>Backtest</h2>
<p>In-sample ${window(bt.inSample)}; out-of-sample ${window(bt.outOfSample)}.${escapeHtml(rolling)}</p>
<div class="table-wrap"><table><thead><tr><th>Level</th><th>Exceptions</th><th>Rate</th><th>Expected</th><th>Kupiec LR</th><th>Christoffersen LR</th><th>Conditional coverage</th><th>Traffic light</th></tr></thead><tbody>${rows}</tbody></table></div>
${bt.series ? backtestChart(bt, bt.series) : ''}</section>`;
}

// ---------------------------------------------------------------------------------------------------------------------
// charts

/** Mean and standard deviation of the simulated horizon return, in closed form from the model. */
export function analyticMoments(model: FactorModel, sim: SimulationSettings): { mean: number; sd: number } {
  const { mean, variance } = dailyMoments(model, sim);
  return { mean: mean * sim.horizon, sd: Math.sqrt(Math.max(variance, 0) * sim.horizon) };
}

/** The closed form has a Student t only for one day without residual (as in the risk numbers); else it is normal. */
function isStudentT(sim: SimulationSettings): boolean {
  return sim.distribution === 't' && sim.horizon === 1 && sim.residual === 'none' && sim.df !== null && sim.df > 2;
}

/** Density of the closed-form return distribution: normal, or a Student t with the same variance. */
function density(sim: SimulationSettings, mean: number, sd: number): (x: number) => number {
  if (isStudentT(sim) && sim.df !== null) {
    const nu = sim.df;
    const scale = sd * Math.sqrt((nu - 2) / nu);
    return (x) => tPdf((x - mean) / scale, nu) / scale;
  }
  const k = 1 / (sd * Math.sqrt(2 * Math.PI));
  return (x) => k * Math.exp(-0.5 * ((x - mean) / sd) ** 2);
}

function distributionChart(run: RunResult, histogram: Histogram | undefined): string {
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
  const f = sd > 0 ? density(run.simulation, mean, sd) : () => 0;
  const curve: Array<[number, number]> = [];
  for (let i = 0; i <= 200; i++) {
    const x = x0 + ((x1 - x0) * i) / 200;
    curve.push([x, f(x)]);
  }
  let yMax = Math.max(...curve.map(([, y]) => y));
  const bars: Array<{ a: number; b: number; d: number }> = [];
  if (hasHist && total > 0) {
    for (let i = 0; i < histogram!.counts.length; i++) {
      const a = histogram!.edges[i], b = histogram!.edges[i + 1];
      const d = histogram!.counts[i] / (total * (b - a));
      bars.push({ a, b, d });
      if (d > yMax) yMax = d;
    }
  }
  const levels0 = levels.map((k, i) => ({ k, color: PALETTE[(i + 1) % PALETTE.length] }));
  const items: LegendItem[] = [];
  if (bars.length) items.push({ label: `simulated (${total.toLocaleString('en-US')})`, color: '#9ecae1' });
  items.push({ label: isStudentT(run.simulation) ? `closed form (t, ${run.simulation.df} df)` : 'closed form (normal)', color: '#222' });
  for (const { k, color } of levels0) items.push({ label: `${pctLevel(k)} VaR`, color }, { label: `${pctLevel(k)} ES`, color, dash: '6 3' });
  const p = plot([x0, x1], [0, yMax * 1.05 || 1], { legend: items });
  const body: string[] = [clip('clip-dist', p), axes(p, { x: `${run.simulation.horizon}-day portfolio return (%)`, y: 'density' }, { xFormat: (v) => (v * 100).toFixed(Math.abs(x1 - x0) < 0.05 ? 1 : 0), yFormat: (v) => v.toFixed(0) })];
  body.push('<g clip-path="url(#clip-dist)">');
  for (const b of bars) {
    const xa = p.x(b.a), xb = p.x(b.b), y = p.y(b.d);
    body.push(`<rect class="bar" x="${c(xa)}" y="${c(y)}" width="${c(Math.max(xb - xa - 0.3, 0.5))}" height="${c(p.bottom - y)}"/>`);
  }
  body.push(polyline(curve.map(([x, y]) => [p.x(x), p.y(y)]), 'stroke="#222" stroke-width="2"'));
  levels0.forEach(({ k, color }) => {
    for (const [v, dash] of [[-run.risk[k].var, '', 'VaR'], [-run.risk[k].es, '6 3', 'ES']] as const) {
      const x = p.x(v);
      body.push(`<line x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="${color}" stroke-width="1.8"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    }
  });
  body.push('</g>');
  const caption = hasHist
    ? `Histogram of all ${total.toLocaleString('en-US')} simulated returns as a density, the closed-form density with the model's mean ${pct(mean, 3)} and standard deviation ${pct(sd, 3)}, and the loss thresholds −VaR (solid) and −ES (dashed) per level.`
    : `The run carries no histogram of its samples, so only the closed-form density is drawn (mean ${pct(mean, 3)}, standard deviation ${pct(sd, 3)}), with −VaR (solid) and −ES (dashed) per level.`;
  return figure('chart-distribution', 'Simulated return distribution', caption, p, body.join(''));
}

function lassoChart(run: RunResult): string {
  const l = run.lasso;
  const names = Object.keys(l.coefficients);
  const logs = l.alphas.map((a) => Math.log10(a));
  const [lx0, lx1] = extent(logs);
  const [ly0, ly1] = pad(...extent([0, ...names.flatMap((n) => l.coefficients[n])]), 0.08);
  const items: LegendItem[] = [
    ...names.map((n, i) => ({ label: n, color: PALETTE[i % PALETTE.length] })),
    { label: 'CV α', color: '#444', dash: '5 3' },
    { label: '1-SE α', color: '#444', dash: '2 3' },
  ];
  const p = plot([lx0, lx1], [ly0, ly1], { legend: items });
  const body: string[] = [clip('clip-lasso', p), axes(p, { x: 'log₁₀ α', y: 'coefficient (standardized)' })];
  body.push('<g clip-path="url(#clip-lasso)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  names.forEach((n, i) => {
    body.push(polyline(l.coefficients[n].map((v, j) => [p.x(logs[j]), p.y(v)]), `stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"`));
  });
  for (const [a, dash] of [[l.cvAlpha, '5 3'], [l.alpha1se, '2 3']] as const) {
    if (!(a > 0)) continue;
    const x = p.x(Math.log10(a));
    body.push(`<line x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="#444" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
  }
  body.push('</g>');
  return figure(
    'chart-lasso',
    'LASSO coefficient paths',
    `Standardized coefficients of every candidate factor against log₁₀ α (${l.alphas.length} values); dashed: the CV-optimal α = ${fmtSci(l.cvAlpha)}, dotted: the 1-SE α = ${fmtSci(l.alpha1se)}.`,
    p,
    body.join(''),
  );
}

function cvChart(run: RunResult): string {
  const l = run.lasso;
  if (!l.cvMse?.length) return '';
  const logs = l.alphas.map((a) => Math.log10(a));
  const lo = l.cvMse.map((m, i) => m - (l.cvMseSe[i] ?? 0)), hi = l.cvMse.map((m, i) => m + (l.cvMseSe[i] ?? 0));
  const [y0, y1] = pad(...extent([...lo, ...hi]), 0.08);
  const scaleExp = Math.floor(Math.log10(Math.max(Math.abs(y1), 1e-300)));
  const unit = 10 ** scaleExp;
  const items: LegendItem[] = [{ label: 'mean CV MSE ± 1 SE', color: '#1f77b4' }, { label: 'CV α', color: '#444', dash: '5 3' }, { label: '1-SE α', color: '#444', dash: '2 3' }];
  const p = plot(extent(logs), [y0, y1], { height: 260, legend: items });
  const body: string[] = [clip('clip-cv', p), axes(p, { x: 'log₁₀ α', y: `CV mean squared error (×10^${scaleExp})` }, { yFormat: (v) => (v / unit).toFixed(2) })];
  body.push('<g clip-path="url(#clip-cv)">');
  const band = [...logs.map((x, i) => `${c(p.x(x))},${c(p.y(hi[i]))}`), ...logs.map((x, i) => `${c(p.x(x))},${c(p.y(lo[i]))}`).reverse()];
  body.push(`<polygon points="${band.join(' ')}" fill="#9ecae1" fill-opacity="0.5"/>`);
  body.push(polyline(logs.map((x, i) => [p.x(x), p.y(l.cvMse[i])]), 'stroke="#1f77b4" stroke-width="2"'));
  for (const [a, dash] of [[l.cvAlpha, '5 3'], [l.alpha1se, '2 3']] as const) {
    if (!(a > 0)) continue;
    const x = p.x(Math.log10(a));
    body.push(`<line x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="#444" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
  }
  body.push('</g>');
  return figure('chart-cv', 'LASSO cross-validation error', `Mean squared error over the folds at each α with a ±1 standard-error band; the 1-SE rule takes the largest α within one SE of the minimum.`, p, body.join(''));
}

function qqChart(run: RunResult): string {
  const qq = run.final.qq;
  const [a0, a1] = pad(...extent(qq.flatMap(([t, s]) => [t, s])), 0.05);
  const p = plot([a0, a1], [a0, a1], { width: 520, height: 440, legend: [{ label: 'standardized residual', color: '#1f77b4', marker: true }, { label: '45° line', color: '#d62728' }] });
  const body: string[] = [clip('clip-qq', p), axes(p, { x: 'theoretical normal quantile', y: 'standardized residual' })];
  body.push('<g clip-path="url(#clip-qq)">');
  body.push(`<line x1="${c(p.x(a0))}" y1="${c(p.y(a0))}" x2="${c(p.x(a1))}" y2="${c(p.y(a1))}" stroke="#d62728" stroke-width="1.8"/>`);
  body.push(qq.map(([t, s]) => `<circle cx="${c(p.x(t))}" cy="${c(p.y(s))}" r="2.4" class="dot"/>`).join(''));
  body.push('</g>');
  return figure(
    'chart-qq',
    'Residual Q–Q plot',
    `Standardized residuals of the final regression (${qq.length} days) against normal quantiles; points on the 45° line mean normal residuals. Jarque–Bera p ${fmtP(run.final.jarqueBera.pValue)}.`,
    p,
    body.join(''),
  );
}

function attributionChart(run: RunResult): string {
  const names = Object.keys(run.attribution);
  const vals = names.flatMap((n) => [run.attribution[n].componentVar, run.attribution[n].componentEs]);
  const [v0, v1] = pad(...extent([0, ...vals]), 0.08);
  const rowH = 34, height = 56 + names.length * rowH;
  const maxLabel = Math.max(...names.map((n) => n.length));
  const p = plot([v0, v1], [0, names.length], { height, left: Math.min(40 + maxLabel * 7.5, 200), legend: [{ label: 'component VaR', color: '#1f77b4' }, { label: 'component ES', color: '#ff7f0e' }] });
  const y = linear([0, names.length], [p.top + 6, p.bottom]);
  const body: string[] = [axes(p, { x: 'contribution to the loss (% of portfolio)', y: '' }, { yTicks: [], xFormat: (v) => (v * 100).toFixed(Math.abs(v1 - v0) < 0.02 ? 2 : 1) })];
  body.push(`<line class="zero" x1="${c(p.x(0))}" x2="${c(p.x(0))}" y1="${c(p.top)}" y2="${c(p.bottom)}"/>`);
  names.forEach((n, i) => {
    const top = y(i);
    const a = run.attribution[n];
    for (const [v, dy, color] of [[a.componentVar, 4, '#1f77b4'], [a.componentEs, 16, '#ff7f0e']] as const) {
      const x0 = p.x(Math.min(0, v)), x1 = p.x(Math.max(0, v));
      body.push(`<rect x="${c(x0)}" y="${c(top + dy)}" width="${c(Math.max(x1 - x0, 0.5))}" height="11" fill="${color}"><title>${escapeHtml(n)}: ${pct(v, 3)}</title></rect>`);
    }
    body.push(`<text class="tick" x="${c(p.left - 6)}" y="${c(top + 19)}" text-anchor="end">${escapeHtml(n)}</text>`);
  });
  const total = names.reduce((s, n) => s + run.attribution[n].componentVar, 0);
  return figure(
    'chart-attribution',
    'Risk attribution by factor',
    `Euler contributions of each factor to VaR and ES (they add up to the total: VaR contributions sum to ${pct(total, 3)}); a negative bar is a diversifier.`,
    p,
    body.join(''),
  );
}

function backtestChart(bt: BacktestResult, s: BacktestSeries): string {
  const n = s.dates.length;
  // levels from the highest confidence down: each day is marked once, by the highest level it breaches
  const levels = Object.keys(bt.levels)
    .filter((k) => s.var[k])
    .sort((a, b) => Number(b) - Number(a))
    .map((k, i) => ({ k, color: PALETTE[(i + 1) % PALETTE.length], days: [] as number[] }));
  const marked = new Set<number>();
  for (const l of levels) {
    s.returns.forEach((r, i) => {
      if (!marked.has(i) && r < -s.var[l.k][i]) {
        marked.add(i);
        l.days.push(i);
      }
    });
  }
  const items: LegendItem[] = [{ label: 'return', color: '#9aa5b1' }];
  for (const l of levels) items.push({ label: `−VaR ${pctLevel(l.k)}`, color: l.color });
  for (const l of levels) if (l.days.length) items.push({ label: `exception ${pctLevel(l.k)}`, color: l.color, marker: true });
  const [r0, r1] = pad(...extent([...s.returns, ...levels.flatMap((l) => s.var[l.k].map((v) => -v))]), 0.05);
  const p = plot([0, Math.max(n - 1, 1)], [r0, r1], { height: 340, legend: items });
  const months: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || s.dates[i].slice(0, 7) !== s.dates[i - 1].slice(0, 7)) months.push(i);
  const every = Math.max(1, Math.ceil(months.length / 8));
  const xTicks = months.filter((_, i) => i % every === 0);
  const body: string[] = [
    clip('clip-bt', p),
    axes(p, { x: 'date', y: 'daily return (%)' }, { xTicks, xFormat: (i) => s.dates[Math.round(i)]?.slice(0, 7) ?? '', yFormat: (v) => (v * 100).toFixed(1) }),
  ];
  body.push('<g clip-path="url(#clip-bt)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  body.push(polyline(s.returns.map((r, i) => [p.x(i), p.y(r)]), 'stroke="#9aa5b1" stroke-width="1"'));
  for (const l of levels) {
    // −VaR as a step line: the VaR holds for the whole day
    const pts: Array<[number, number]> = [];
    s.var[l.k].forEach((v, i) => pts.push([p.x(Math.max(i - 0.5, 0)), p.y(-v)], [p.x(Math.min(i + 0.5, n - 1)), p.y(-v)]));
    body.push(polyline(pts, `stroke="${l.color}" stroke-width="1.6"`));
  }
  for (const l of levels) {
    for (const i of l.days) {
      body.push(`<circle class="exception" cx="${c(p.x(i))}" cy="${c(p.y(s.returns[i]))}" r="4" fill="${l.color}" stroke="#000" stroke-width="0.8"><title>${escapeHtml(s.dates[i])}: ${pct(s.returns[i], 2)}</title></circle>`);
    }
  }
  body.push('</g>');
  const counts = levels.map((l) => `${bt.levels[l.k].exceptions} at ${pctLevel(l.k)}`).join(', ');
  return figure(
    'chart-backtest',
    'Out-of-sample returns against −VaR',
    `Daily portfolio returns ${s.dates[0]} … ${s.dates[n - 1]} (${n} days) with the loss threshold −VaR per level; marked days are exceptions, coloured by the highest level breached (${counts}).`,
    p,
    body.join(''),
  );
}

// ---------------------------------------------------------------------------------------------------------------------
// formatting

function fmt(x: number | undefined, digits: number): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

function fmtP(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—';
  return x < 1e-4 ? x.toExponential(1) : x.toFixed(4);
}

function fmtSci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : '—';
}

function pct(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '—' : `${(x * 100).toFixed(digits)}%`;
}

function money2(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 });
}

/** "0.99" → "99%", "0.975" → "97.5%" */
function pctLevel(key: string): string {
  const v = Number(key);
  return Number.isFinite(v) ? `${Number((v * 100).toPrecision(10))}%` : key;
}

function describeSimulation(sim: SimulationSettings): string {
  const dist = sim.distribution === 't' ? `Student t (${sim.df} df)` : 'normal';
  return `${dist} factors, residual ${sim.residual}, horizon ${sim.horizon} day${sim.horizon === 1 ? '' : 's'}${sim.intercept ? ', with intercept' : ''}`;
}

const STYLE = `
:root{color-scheme:light;--fg:#1b1f24;--muted:#5b6570;--line:#d0d7de;--bg:#fff;--ok:#1a7f37;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:980px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.45rem;margin:0 0 4px}
h2{font-size:1.15rem;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,footer,figcaption,.small{color:var(--muted);font-size:.85rem}
footer{padding:24px 16px}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums;margin:8px 0;min-width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f6f8fa}
dl.kv{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:0 24px;margin:8px 0;font-size:.9rem}
dl.kv div{display:flex;gap:12px;border-bottom:1px solid var(--line);padding:4px 0}
dl.kv dt{font-weight:600;min-width:9.5em}
dl.kv dd{margin:0;font-variant-numeric:tabular-nums}
.ok{color:var(--ok);font-weight:600}
.bad{color:var(--bad)}
.warnings{color:var(--bad)}
.zone{display:inline-block;padding:0 8px;border-radius:9px;color:#fff;font-weight:600}
.zone.green{background:#1a7f37}.zone.yellow{background:#bf8700}.zone.red{background:#b42318}
figure.chart{margin:12px 0 20px}
figure.chart svg{display:block;width:100%;height:auto;max-width:100%}
#chart-qq svg{max-width:560px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#1b1f24}
svg .tick{fill:#5b6570;font-size:11px}
svg .label{font-size:12px;fill:#1b1f24}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .frame{fill:none;stroke:#8c959f;stroke-width:1}
svg .zero{stroke:#8c959f;stroke-width:1}
svg .bar{fill:#9ecae1}
svg .dot{fill:#1f77b4;fill-opacity:.75}
svg .legend text{font-size:11.5px}
@media (max-width:600px){body{font-size:14px}h1{font-size:1.2rem}th,td{padding:3px 5px}}
@media print{body{font-size:10.5pt}header,main,footer{max-width:none;padding:0}section,figure.chart{break-inside:avoid}.table-wrap{overflow:visible}thead th{background:none}a{color:inherit}}
`;
