// The self-contained HTML report of a run: one file, no script, no external resource, charts drawn as inline SVG.
// Pure: takes the run JSON (plus its subject, an optional backtest and extra sections) and returns the HTML text.
// Reading order: what it is about (header), the answer (summary box), then the detail sections with a verdict each.
import type { FactorModel, Histogram, RunResult, SimulationSettings } from '../engine/types.ts';
import type { BacktestResult, BacktestSeries } from '../engine/backtest.ts';
import { settingsSchema } from '../engine/config.ts';
import { comparisonSection } from './comparison.ts';
import { tPdf } from '../engine/risk.ts';
import { dailyMoments } from '../engine/simulate.ts';
import { describeSimulation, fmt, fmtP, fmtSci, levelKeys, money, pct, pctLevel, pp, utc } from './format.ts';
import { CSP, STYLE } from './style.ts';
import { PALETTE, axes, c, clip, escapeHtml, extent, figure, linear, pad, plot, polyline, type LegendItem } from './svg.ts';
import { lassoVerdict } from './verdicts.ts';
import { VARSTREAM_VERSION } from './version.ts';

export type { Histogram };

/** What the report is about: who ran what on which file. Everything optional but the portfolio. */
export interface ReportSubject {
  portfolioId: string;
  runId?: string;
  input?: { bucket?: string; key: string; versionId?: string; etag?: string };
  /** when the run started (ISO, shown in UTC) */
  createdAt?: string;
  /** the run's effective settings (shown generically: the model line and every setting that differs from its default) */
  settings?: Record<string, unknown>;
  /** the portfolio's previous successful run, for the change column */
  previous?: PreviousRun;
}

export interface PreviousRun {
  runId: string;
  createdAt: string;
  window?: { start: string; end: string };
  risk: Record<string, { var: number; es: number }>;
}

/** One detail section: a heading, an optional one-line verdict and its HTML body. The hook for added sections. */
export interface ReportSection {
  id: string;
  title: string;
  verdict?: { text: string; ok: boolean };
  html: string;
}

export interface ReportExtras {
  /** overrides `run.histogram` when given */
  histogram?: Histogram;
  backtest?: BacktestResult & { series?: BacktestSeries };
  /** the header's subject (portfolio, input, run id, time, settings); defaults to the run's CSV column */
  subject?: ReportSubject;
  /** sections added after the built-in ones and before the backtest (e.g. a model comparison) */
  sections?: ReportSection[];
  /** ISO timestamp shown in the footer; omitted when absent so the HTML is reproducible */
  generatedAt?: string;
  /** shown in the title; defaults to "<portfolio> VaR report <window end>" */
  title?: string;
}

export function renderReport(run: RunResult, extras: ReportExtras = {}): string {
  const histogram = extras.histogram ?? run.histogram;
  const subject = extras.subject ?? { portfolioId: run.portfolio };
  const title = extras.title ?? `${subject.portfolioId} VaR report ${run.window.end}`;
  const sections: Array<ReportSection | undefined> = [
    modelSection(run, subject.settings),
    riskSection(run, histogram),
    factorSection(run),
    lassoSection(run),
    residualSection(run),
    attributionSection(run),
    stressSection(run),
    ...(extras.sections ?? []),
    extras.backtest ? backtestSection(extras.backtest) : undefined,
    run.backtest ? comparisonSection(run.backtest) : undefined,
  ];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${headerHtml(run, subject)}
<main>
${summaryBox(run, subject, extras.backtest)}
${sections.filter((s): s is ReportSection => !!s).map(sectionHtml).join('\n')}
</main>
<footer>varstream ${escapeHtml(VARSTREAM_VERSION)} report${extras.generatedAt ? ` · generated ${escapeHtml(utc(extras.generatedAt))}` : ''}</footer>
</body>
</html>
`;
}

export function sectionHtml(s: ReportSection): string {
  const verdict = s.verdict ? `<p class="verdict ${s.verdict.ok ? 'ok' : 'bad'}">${escapeHtml(s.verdict.text)}</p>` : '';
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${verdict}\n${s.html}</section>`;
}

// ---------------------------------------------------------------------------------------------------------------------
// header and summary

/** Settings shown on the model line rather than in the "other settings" list. */
const MODEL_LINE = new Set(['model', 'distribution', 'df', 'residual', 'intercept', 'horizon', 'simulations', 'shards', 'seed']);
const SETTING_DEFAULTS: Record<string, unknown> = settingsSchema.parse({});

function headerHtml(run: RunResult, subject: ReportSubject): string {
  const s = subject.settings ?? {};
  const input = subject.input;
  const version = input ? [input.versionId ? `version ${input.versionId}` : '', input.etag ? `ETag ${input.etag}` : ''].filter(Boolean).join(', ') : '';
  const where = input ? `${input.bucket ? `s3://${input.bucket}/` : ''}${input.key}${version ? ` (${version})` : ''}` : '—';
  const sim = run.simulation;
  const modelName = typeof s.model === 'string' ? `model “${s.model}”` : 'factor Monte Carlo';
  const model = [modelName, describeSimulation(sim), `${sim.simulations.toLocaleString('en-US')} simulations`].join(' · ');
  const other = Object.keys(s)
    .filter((k) => !MODEL_LINE.has(k) && s[k] !== undefined && JSON.stringify(s[k]) !== JSON.stringify(SETTING_DEFAULTS[k]))
    .map((k) => `${k} ${showSetting(s[k])}`);
  const rows: Array<[string, string]> = [
    ['Input', where],
    ['Data', `${run.observations} daily returns, ${run.window.start} … ${run.window.end} (column “${run.portfolio}”)`],
    ['Run', `${subject.runId ?? '—'} · ${utc(subject.createdAt)}`],
    ['Model', model],
    ['Seed', `${sim.seed} (${sim.shards} shard${sim.shards === 1 ? '' : 's'})`],
    ['Settings', other.length ? other.join(' · ') : 'defaults'],
    ['Version', `varstream ${VARSTREAM_VERSION}`],
  ];
  return `<header id="subject"><p class="kicker">varstream · value at risk</p>
<h1>Portfolio <span id="portfolio-id">${escapeHtml(subject.portfolioId)}</span> · ${escapeHtml(run.window.end)}</h1>
<dl class="subject">${rows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl></header>`;
}

function showSetting(v: unknown): string {
  if (typeof v === 'number') return Math.abs(v) >= 1000 && Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Every warning a reader must see on the first screen: the fit's, LASSO's verdict and a backtest that is not green. */
export function reportWarnings(run: RunResult, backtest?: BacktestResult): string[] {
  const out = [...run.warnings];
  if (!run.adequate && !out.some((w) => w.includes('R²'))) out.push(`the model is not adequate: final R² ${fmt(run.final.r2, 4)}`);
  const lasso = lassoVerdict(run);
  if (!lasso.agrees) out.push(`LASSO ${lasso.text}: CV α selects ${run.lasso.cvSelected.join(', ') || 'nothing'}, 1-SE α selects ${run.lasso.selected1se.join(', ') || 'nothing'}`);
  if (backtest) {
    for (const k of levelKeys(backtest.levels)) {
      const t = backtest.levels[k].trafficLight;
      if (t.zone !== 'green') out.push(`backtest ${pctLevel(k)}: ${t.zone} zone (${t.exceptions} exceptions in ${t.days} days)`);
    }
  }
  return out;
}

function currencyOf(settings: Record<string, unknown> | undefined): string | undefined {
  return typeof settings?.currency === 'string' ? settings.currency : undefined;
}

function summaryBox(run: RunResult, subject: ReportSubject, backtest: ReportExtras['backtest']): string {
  const levels = levelKeys(run.risk);
  const hasMoney = run.value !== undefined;
  const unit = currencyOf(subject.settings) ?? 'amount';
  const prev = subject.previous;
  const head = `<tr><th>Level</th><th>VaR</th><th>ES</th>${hasMoney ? `<th>VaR (${escapeHtml(unit)})</th><th>ES (${escapeHtml(unit)})</th>` : ''}${prev ? '<th>VaR vs previous</th><th>ES vs previous</th>' : ''}</tr>`;
  const rows = levels
    .map((k) => {
      const r = run.risk[k];
      const p = prev?.risk[k];
      const change = prev ? `<td>${p ? pp(r.var - p.var) : '—'}</td><td>${p ? pp(r.es - p.es) : '—'}</td>` : '';
      return `<tr data-level="${escapeHtml(k)}"><th scope="row">${escapeHtml(pctLevel(k))}</th><td class="var">${pct(r.var)}</td><td class="es">${pct(r.es)}</td>${
        hasMoney ? `<td class="var-value">${money(r.varValue)}</td><td class="es-value">${money(r.esValue)}</td>` : ''
      }${change}</tr>`;
    })
    .join('');
  const horizon = `${run.simulation.horizon}-day`;
  const value = hasMoney ? ` on a portfolio value of <strong>${escapeHtml(money(run.value))}${currencyOf(subject.settings) ? ` ${escapeHtml(unit)}` : ''}</strong>` : '';
  const prevLine = prev
    ? `<p class="small">Change against the previous run ${escapeHtml(prev.runId)} (${escapeHtml(utc(prev.createdAt))}${prev.window ? `, data to ${escapeHtml(prev.window.end)}` : ''}), in percentage points of the portfolio.</p>`
    : `<p class="small">No previous run of this portfolio to compare with.</p>`;
  let zone = '';
  if (backtest) {
    const parts = levelKeys(backtest.levels).map((k) => {
      const t = backtest.levels[k].trafficLight;
      return `${escapeHtml(pctLevel(k))} <span class="zone ${t.zone}">${t.zone}</span> ${t.exceptions}/${t.days}`;
    });
    zone = `<p>Backtest (Basel traffic light, exceptions/days): ${parts.join(' · ')}</p>`;
  }
  const warnings = reportWarnings(run, backtest);
  const list = warnings.length
    ? `<ul class="warnings" id="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : `<ul class="warnings" id="warnings"><li class="none">No warnings: the model is adequate and LASSO agrees with the screening.</li></ul>`;
  return `<section id="summary" class="summary"><h2>Summary</h2>
<p class="big">${horizon} Value at Risk and Expected Shortfall${value}</p>
<div class="table-wrap"><table id="summary-risk"><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${prevLine}${zone}
<h3 class="small">Warnings (${warnings.length})</h3>${list}</section>`;
}

// ---------------------------------------------------------------------------------------------------------------------
// sections

function modelSection(run: RunResult, settings: Record<string, unknown> | undefined): ReportSection {
  const f = run.final;
  const threshold = typeof settings?.r2Threshold === 'number' ? settings.r2Threshold : undefined;
  const verdict = run.adequate
    ? { ok: true, text: `Adequate: the final regression explains R² ${fmt(f.r2, 4)} of the portfolio${threshold !== undefined ? ` (threshold ${threshold})` : ''}.` }
    : { ok: false, text: `Not adequate: R² ${fmt(f.r2, 4)}${threshold !== undefined ? ` is below the threshold ${threshold}` : ''}; a factor-only VaR understates the risk.` };
  return {
    id: 'model',
    title: 'Model',
    verdict,
    html: `<p>Column <strong>${escapeHtml(run.portfolio)}</strong> on ${escapeHtml(run.selected.join(', ') || 'no factor')}: R² ${fmt(f.r2, 4)} (adjusted ${fmt(f.adjR2, 4)}).</p>
<dl class="kv">
<div><dt>F statistic</dt><dd>${fmt(f.fStat, 2)} (p ${fmtP(f.fPValue)})</dd></div>
<div><dt>Residual std error</dt><dd>${fmt(f.residualStdError, 6)}</dd></div>
<div><dt>Durbin–Watson</dt><dd>${fmt(f.durbinWatson, 3)}</dd></div>
<div><dt>Jarque–Bera</dt><dd>${fmt(f.jarqueBera.stat, 2)} (p ${fmtP(f.jarqueBera.pValue)}), skew ${fmt(f.jarqueBera.skew, 3)}, kurtosis ${fmt(f.jarqueBera.kurtosis, 3)}</dd></div>
<div><dt>Breusch–Pagan</dt><dd>${fmt(f.breuschPagan.stat, 2)} (p ${fmtP(f.breuschPagan.pValue)})</dd></div>
<div><dt>Intercept α</dt><dd>${fmt(run.model.alpha, 6)}${run.simulation.intercept ? '' : ' (not simulated)'}</dd></div>
</dl>`,
  };
}

function riskSection(run: RunResult, histogram: Histogram | undefined): ReportSection {
  const levels = levelKeys(run.risk);
  const rows = levels
    .map((k) => {
      const r = run.risk[k];
      const gap = (r.var - r.analyticVar) / r.standardError;
      return `<tr><th scope="row">${escapeHtml(pctLevel(k))}</th><td>${pct(r.var)}</td><td>${pct(r.es)}</td><td>${pct(r.analyticVar)}</td><td>${pct(r.analyticEs)}</td><td>${fmt(gap, 2)}</td><td>${pct(r.standardError, 4)}</td><td>${pct(r.ci95[0])} – ${pct(r.ci95[1])}</td></tr>`;
    })
    .join('');
  const head = `<tr><th>Level</th><th>VaR</th><th>ES</th><th>Closed-form VaR</th><th>Closed-form ES</th><th>(VaR − closed form) / SE</th><th>Std error of VaR</th><th>95% CI of VaR</th></tr>`;
  const gaps = levels.map((k) => Math.abs((run.risk[k].var - run.risk[k].analyticVar) / run.risk[k].standardError)).filter(Number.isFinite);
  const worst = gaps.length ? Math.max(...gaps) : NaN;
  const verdict = !Number.isFinite(worst)
    ? undefined
    : worst <= 3
      ? { ok: true, text: `The Monte Carlo VaR agrees with the closed form at every level (largest gap ${fmt(worst, 1)} standard errors).` }
      : { ok: false, text: `The Monte Carlo VaR differs from the closed form by up to ${fmt(worst, 1)} standard errors (expected when the closed form is only an approximation: t with residual, multi-day horizon).` };
  return {
    id: 'risk',
    title: 'Value at Risk',
    verdict,
    html: `<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${distributionChart(run, histogram)}`,
  };
}
function factorSection(run: RunResult): ReportSection {
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
  const dropped = run.candidates.length - run.selected.length;
  return {
    id: 'factors',
    title: 'Factors and screening',
    verdict: { ok: run.selected.length > 0, text: `${run.selected.length} of ${run.candidates.length} candidate factors kept (${run.selected.join(', ') || 'none'}); ${dropped} dropped.` },
    html: `<p>Screening drops the highest VIF above the threshold, then the highest p-value above it, one at a time, refitting after each step.</p>
<div class="table-wrap"><table><thead><tr><th>Factor</th><th>VIF (all)</th><th>β (all)</th><th>p (all)</th><th>Decision</th><th>β (final)</th><th>t (final)</th><th>p (final)</th><th>VIF (final)</th><th>LASSO CV / 1-SE</th></tr></thead>
<tbody>${rows}${constRow}</tbody></table></div>`,
  };
}

function lassoSection(run: RunResult): ReportSection {
  const v = lassoVerdict(run);
  return {
    id: 'lasso',
    title: 'LASSO check',
    verdict: { ok: v.agrees, text: `LASSO ${v.text}.` },
    html: `<p>CV-optimal α = ${fmtSci(run.lasso.cvAlpha)} selects ${escapeHtml(run.lasso.cvSelected.join(', ') || 'nothing')}; the 1-SE α = ${fmtSci(run.lasso.alpha1se)} selects ${escapeHtml(run.lasso.selected1se.join(', ') || 'nothing')}.</p>
${lassoChart(run)}${cvChart(run)}`,
  };
}

function residualSection(run: RunResult): ReportSection {
  const jb = run.final.jarqueBera;
  const normal = !(jb.pValue < 0.05);
  const verdict = normal
    ? { ok: true, text: `Residuals look normal (Jarque–Bera p ${fmtP(jb.pValue)}).` }
    : { ok: false, text: `Residuals are not normal (Jarque–Bera p ${fmtP(jb.pValue)}, kurtosis ${fmt(jb.kurtosis, 2)}${jb.kurtosis > 3 ? ': fatter tails than normal, consider distribution t' : ''}).` };
  return { id: 'residuals', title: 'Residuals', verdict, html: qqChart(run) };
}

function attributionSection(run: RunResult): ReportSection | undefined {
  const names = Object.keys(run.attribution);
  if (!names.length) return undefined;
  const total = names.reduce((s, n) => s + run.attribution[n].componentVar, 0);
  const top = names.reduce((a, b) => (run.attribution[b].componentVar > run.attribution[a].componentVar ? b : a));
  const share = total !== 0 ? run.attribution[top].componentVar / total : NaN;
  return {
    id: 'attribution',
    title: 'Risk attribution',
    verdict: { ok: true, text: `${top} carries the most risk: ${pct(share, 0)} of the ${pctLevel(levelKeys(run.risk)[0] ?? '')} VaR.` },
    html: attributionChart(run),
  };
}

function stressSection(run: RunResult): ReportSection | undefined {
  if (!run.stress.length) return undefined;
  const rows = run.stress
    .map((s) => {
      const shock = Object.entries(s.shock).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      const implied = Object.entries(s.factors).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      return `<tr><td>${shock}</td><td>${pct(s.direct)}</td><td>${pct(s.conditional)}</td><td class="small">${implied}</td></tr>`;
    })
    .join('');
  const worst = Math.min(...run.stress.map((s) => s.conditional));
  return {
    id: 'stress',
    title: 'Stress scenarios',
    verdict: { ok: true, text: `Worst conditional P&L ${pct(worst)}${run.value !== undefined ? ` (${money(worst * run.value)})` : ''}.` },
    html: `<div class="table-wrap"><table><thead><tr><th>Shock</th><th>Direct P&amp;L</th><th>Conditional P&amp;L</th><th>Implied factor moves</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  };
}

function backtestSection(bt: BacktestResult & { series?: BacktestSeries }): ReportSection {
  const rows = Object.entries(bt.levels)
    .map(([k, l]) => {
      const zone = l.trafficLight.zone;
      return `<tr><td>${escapeHtml(pctLevel(k))}</td><td>${l.exceptions} / ${l.observations}</td><td>${pct(l.rate)}</td><td>${pct(l.expectedRate)}</td><td>${fmt(l.kupiec.lr, 3)} (p ${fmtP(l.kupiec.pValue)})</td><td>${fmt(l.christoffersen.lr, 3)} (p ${fmtP(l.christoffersen.pValue)})</td><td>${fmt(l.conditionalCoverage.lr, 3)} (p ${fmtP(l.conditionalCoverage.pValue)})</td><td><span class="zone ${zone}">${zone}</span> ${l.trafficLight.exceptions} in ${l.trafficLight.days} d</td></tr>`;
    })
    .join('');
  const window = (w: { start: string; end: string; observations?: number } | undefined) =>
    w ? `${escapeHtml(w.start)} … ${escapeHtml(w.end)}${w.observations !== undefined ? ` (${w.observations} days)` : ''}` : '—';
  const rolling = bt.rolling ? ` Rolling re-estimation: ${bt.rolling.window}-day window every ${bt.rolling.step} days (${bt.rolling.refits.length} fits).` : '';
  const zones = Object.values(bt.levels).map((l) => l.trafficLight.zone);
  const worst = zones.includes('red') ? 'red' : zones.includes('yellow') ? 'yellow' : 'green';
  return {
    id: 'backtest',
    title: 'Backtest',
    verdict: { ok: worst === 'green', text: `Basel traffic light: ${worst}${worst === 'green' ? ' at every level' : ''}.` },
    html: `<p>In-sample ${window(bt.inSample)}; out-of-sample ${window(bt.outOfSample)}.${escapeHtml(rolling)}</p>
<div class="table-wrap"><table><thead><tr><th>Level</th><th>Exceptions</th><th>Rate</th><th>Expected</th><th>Kupiec LR</th><th>Christoffersen LR</th><th>Conditional coverage</th><th>Traffic light</th></tr></thead><tbody>${rows}</tbody></table></div>
${bt.series ? backtestChart(bt, bt.series) : ''}`,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// charts

/** Mean and standard deviation of the simulated horizon return, in closed form from the model. */

// ---------------------------------------------------------------------------------------------------------------------
// charts

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
  // y is the percent of all samples per bin; the closed form is drawn on the same scale (density × bin width)
  const widths = hasHist ? histogram!.edges.slice(1).map((e, i) => e - histogram!.edges[i]).sort((a, b) => a - b) : [];
  const binWidth = widths.length ? widths[widths.length >> 1] : (x1 - x0) / 80;
  const f = sd > 0 ? density(run.simulation, mean, sd) : () => 0;
  const curve: Array<[number, number]> = [];
  for (let i = 0; i <= 200; i++) {
    const x = x0 + ((x1 - x0) * i) / 200;
    curve.push([x, f(x) * binWidth * 100]);
  }
  let yMax = Math.max(...curve.map(([, y]) => y));
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
  if (bars.length) items.push({ label: `simulated (${total.toLocaleString('en-US')})`, color: '#9ecae1' });
  items.push({ label: isStudentT(run.simulation) ? `closed form (t, ${run.simulation.df} df)` : 'closed form (normal)', color: '#222' });
  for (const { k, color } of levels0) items.push({ label: `${pctLevel(k)} VaR`, color }, { label: `${pctLevel(k)} ES`, color, dash: '6 3' });
  const p = plot([x0, x1], [0, yMax * 1.05 || 1], { legend: items });
  const body: string[] = [clip('clip-dist', p), axes(p, { x: `${run.simulation.horizon}-day portfolio return (%)`, y: `% of samples per ${(binWidth * 100).toPrecision(2)} pp bin` }, { xFormat: (v) => (v * 100).toFixed(Math.abs(x1 - x0) < 0.05 ? 1 : 0) })];
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
    ? `Histogram of all ${total.toLocaleString('en-US')} simulated returns (percent of the samples in each bin), the closed-form distribution on the same scale with the model's mean ${pct(mean, 3)} and standard deviation ${pct(sd, 3)}, and the loss thresholds −VaR (solid) and −ES (dashed) per level.`
    : `The run carries no histogram of its samples, so only the closed-form distribution is drawn (percent of samples per bin) (mean ${pct(mean, 3)}, standard deviation ${pct(sd, 3)}), with −VaR (solid) and −ES (dashed) per level.`;
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
    `Standardized residuals of the final regression (${run.final.observations} days${qq.length < run.final.observations ? `, ${qq.length} quantiles shown` : ''}) against normal quantiles; points on the 45° line mean normal residuals. Jarque–Bera p ${fmtP(run.final.jarqueBera.pValue)}.`,
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
