// A portfolio's VaR history page and the portfolios index: pure functions of the runs' history entries (one small
// JSON per successful run, written by Reduce). Same rules as the run report: one file, inline SVG, no script, CSP-locked.
import type { RunRecord, RunResult, SimulationSettings } from '../engine/types.ts';
import { levelKeys, money, pct, pctLevel, pp, utc } from './format.ts';
import { CSP, STYLE } from './style.ts';
import { PALETTE, axes, c, clip, escapeHtml, extent, figure, pad, plot, polyline, type LegendItem } from './svg.ts';
import { VARSTREAM_VERSION } from './version.ts';

/** The portfolio's last returns a history entry keeps: enough to find the realized return after each earlier run. */
export const HISTORY_RETURNS = 250;

/** What the history page needs of one successful run (reports/<portfolioId>/runs/<runId>.json). */
export interface HistoryEntry {
  runId: string;
  portfolioId: string;
  createdAt: string;
  finishedAt?: string;
  input: RunRecord['input'];
  window: { start: string; end: string };
  observations: number;
  /** settings.model when the run has one, else "factor" */
  model: string;
  /** the settings that define the model (everything but the data window): a change is marked on the chart */
  modelSettings: Record<string, unknown>;
  simulation: SimulationSettings;
  selected: string[];
  value?: number;
  risk: Record<string, { var: number; es: number; varValue?: number; esValue?: number }>;
  /** component VaR per factor (and residual/intercept) at the highest level */
  attribution: Record<string, number>;
  warnings: string[];
  reportKey?: string;
  /** the portfolio's last daily returns of the window (at most HISTORY_RETURNS) */
  returns: { dates: string[]; values: number[] };
}

/** Settings that only choose the data, not the model: a change in these is not a model change. */
const DATA_SETTINGS = new Set(['start', 'end', 'portfolio', 'maxFileBytes', 'value', 'currency', 'shocks']);

export function historyEntry(
  run: { runId: string; portfolioId: string; createdAt: string; input: RunRecord['input']; finishedAt?: string; reportKey?: string },
  result: RunResult,
  settings: Record<string, unknown>,
  returns: { dates: string[]; values: number[] } | undefined,
): HistoryEntry {
  const top = levelKeys(result.risk)[0];
  const attribution = Object.fromEntries(Object.entries(result.attribution).map(([k, v]) => [k, v.componentVar]));
  const modelSettings = Object.fromEntries(Object.entries(settings).filter(([k, v]) => !DATA_SETTINGS.has(k) && v !== undefined));
  const n = returns ? Math.max(returns.dates.length - HISTORY_RETURNS, 0) : 0;
  return {
    runId: run.runId,
    portfolioId: run.portfolioId,
    createdAt: run.createdAt,
    ...(run.finishedAt ? { finishedAt: run.finishedAt } : {}),
    input: run.input,
    window: result.window,
    observations: result.observations,
    model: typeof settings.model === 'string' ? settings.model : 'factor',
    modelSettings,
    simulation: result.simulation,
    selected: result.selected,
    ...(result.value !== undefined ? { value: result.value } : {}),
    risk: Object.fromEntries(
      Object.entries(result.risk).map(([k, r]) => [k, { var: r.var, es: r.es, ...(r.varValue !== undefined ? { varValue: r.varValue, esValue: r.esValue } : {}) }]),
    ),
    attribution: top ? attribution : {},
    warnings: result.warnings,
    ...(run.reportKey ? { reportKey: run.reportKey } : {}),
    returns: returns ? { dates: returns.dates.slice(n), values: returns.values.slice(n) } : { dates: [], values: [] },
  };
}

export interface Realized {
  /** the first trading day after the run's window */
  date: string;
  return: number;
  /** levels whose VaR the loss exceeded */
  exceptions: string[];
}

/**
 * The realized next-day return of each run, from any later run whose data holds the first day after its window
 * (one-day horizon only: a longer horizon's VaR is not comparable with one day).
 */
export function realizedReturns(entries: HistoryEntry[]): Map<string, Realized> {
  const out = new Map<string, Realized>();
  for (const e of entries) {
    if (e.simulation.horizon !== 1) continue;
    let best: { date: string; value: number } | undefined;
    for (const later of entries) {
      const i = later.returns.dates.findIndex((d) => d > e.window.end);
      // i = 0 would be a series that starts after the window: a day in between may be missing from it
      if (i <= 0) continue;
      const d = later.returns.dates[i];
      if (!best || d < best.date) best = { date: d, value: later.returns.values[i] };
    }
    if (!best) continue;
    const exceptions = levelKeys(e.risk).filter((k) => best!.value < -e.risk[k].var);
    out.set(e.runId, { date: best.date, return: best.value, exceptions });
  }
  return out;
}

/** True where the run's model or its settings differ from the run before it. */
function modelChanges(entries: HistoryEntry[]): boolean[] {
  return entries.map((e, i) => i > 0 && (e.model !== entries[i - 1].model || JSON.stringify(e.modelSettings) !== JSON.stringify(entries[i - 1].modelSettings)));
}

export interface HistoryOptions {
  /** href of a run's report, relative to where the page is served */
  reportHref(entry: HistoryEntry): string | undefined;
  generatedAt?: string;
}

/** The history page; `entries` in any order (sorted oldest first here). */
export function renderHistory(portfolioId: string, entries: HistoryEntry[], options: HistoryOptions): string {
  const runs = [...entries].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
  const realized = realizedReturns(runs);
  const changed = modelChanges(runs);
  const last = runs[runs.length - 1];
  const title = `${portfolioId} VaR history`;
  const summary = last ? summaryBox(runs) : '<p>No successful run yet.</p>';
  const sections = runs.length
    ? [
        `<section id="var-history"><h2>VaR and ES over the runs</h2>${varChart(runs, changed)}</section>`,
        `<section id="attribution-history"><h2>Factor attribution over time</h2>${attributionChart(runs)}</section>`,
        `<section id="realized"><h2>Realized next-day returns against VaR</h2>${realizedChart(runs, realized)}</section>`,
        `<section id="runs"><h2>Runs</h2>${runTable(runs, realized, changed, options)}</section>`,
      ]
    : [];
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
<header id="subject"><p class="kicker">varstream · value at risk history</p>
<h1>Portfolio <span id="portfolio-id">${escapeHtml(portfolioId)}</span> · ${runs.length} run${runs.length === 1 ? '' : 's'}</h1>
${summary}</header>
<main>
${sections.join('\n')}
</main>
<footer>varstream ${escapeHtml(VARSTREAM_VERSION)} history${options.generatedAt ? ` · generated ${escapeHtml(utc(options.generatedAt))}` : ''}</footer>
</body>
</html>
`;
}

/** The latest numbers against the run before and the run about a month before (by data end date). */
function summaryBox(runs: HistoryEntry[]): string {
  const last = runs[runs.length - 1];
  const prev = runs.length > 1 ? runs[runs.length - 2] : undefined;
  const monthAgo = new Date(Date.parse(last.window.end) - 28 * 86_400_000).toISOString().slice(0, 10);
  const month = [...runs].reverse().find((r) => r.window.end <= monthAgo);
  const levels = levelKeys(last.risk);
  const change = (e: HistoryEntry | undefined, k: string) => (e?.risk[k] ? pp(last.risk[k].var - e.risk[k].var) : '—');
  const rows = levels
    .map((k) => `<tr><th scope="row">${escapeHtml(pctLevel(k))}</th><td>${pct(last.risk[k].var)}</td><td>${pct(last.risk[k].es)}</td><td>${money(last.risk[k].varValue)}</td><td>${change(prev, k)}</td><td>${change(month, k)}</td></tr>`)
    .join('');
  const since = (e: HistoryEntry | undefined) => (e ? ` (data to ${escapeHtml(e.window.end)})` : '');
  const warnings = last.warnings.length ? `<ul class="warnings">${last.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : '';
  return `<section id="summary" class="summary"><h2>Latest run: data to ${escapeHtml(last.window.end)}, ${escapeHtml(utc(last.createdAt))}</h2>
<div class="table-wrap"><table id="latest"><thead><tr><th>Level</th><th>VaR</th><th>ES</th><th>VaR amount</th><th>VaR vs previous run${since(prev)}</th><th>VaR vs a month before${since(month)}</th></tr></thead><tbody>${rows}</tbody></table></div>
${warnings}</section>`;
}

/** x positions: one slot per run, oldest left; ticks name each run's data end date. */
function runAxis(runs: HistoryEntry[]) {
  const n = runs.length;
  const every = Math.max(1, Math.ceil(n / 8));
  return {
    domain: [-0.5, Math.max(n - 0.5, 0.5)] as [number, number],
    ticks: runs.map((_, i) => i).filter((i) => i % every === 0 || i === n - 1),
    label: (i: number) => runs[Math.round(i)]?.window.end ?? '',
  };
}

function varChart(runs: HistoryEntry[], changed: boolean[]): string {
  const levels = levelKeys(runs[runs.length - 1].risk);
  const colors = new Map(levels.map((k, i) => [k, PALETTE[(i + 1) % PALETTE.length]]));
  const values = runs.flatMap((r) => levels.flatMap((k) => (r.risk[k] ? [r.risk[k].var, r.risk[k].es] : [])));
  const [y0, y1] = pad(...extent([0, ...values]), 0.08);
  const items: LegendItem[] = levels.flatMap((k) => [
    { label: `VaR ${pctLevel(k)}`, color: colors.get(k)! },
    { label: `ES ${pctLevel(k)}`, color: colors.get(k)!, dash: '6 3' },
  ]);
  if (changed.some(Boolean)) items.push({ label: 'model or settings changed', color: '#000', marker: true });
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { legend: items });
  const body: string[] = [clip('clip-var-history', p), axes(p, { x: 'run (data end date)', y: 'loss (% of portfolio)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  body.push('<g clip-path="url(#clip-var-history)">');
  for (const k of levels) {
    for (const [what, dash] of [['var', ''], ['es', '6 3']] as const) {
      const pts = runs.map((r, i) => [p.x(i), p.y(r.risk[k]?.[what] ?? NaN)] as [number, number]);
      body.push(polyline(pts, `stroke="${colors.get(k)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}`));
      runs.forEach((r, i) => {
        const v = r.risk[k]?.[what];
        if (v === undefined) return;
        body.push(`<circle class="point" cx="${c(p.x(i))}" cy="${c(p.y(v))}" r="3" fill="${colors.get(k)}"><title>${escapeHtml(`${r.window.end} ${what.toUpperCase()} ${pctLevel(k)}: ${pct(v)}`)}</title></circle>`);
      });
    }
  }
  runs.forEach((r, i) => {
    if (!changed[i]) return;
    const x = p.x(i);
    body.push(`<line class="model-change" x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="#000" stroke-width="1" stroke-dasharray="3 3"/>`);
    body.push(`<circle class="model-change" cx="${c(x)}" cy="${c(p.top + 6)}" r="5" fill="#000"><title>${escapeHtml(`${r.runId}: model ${r.model}, settings ${JSON.stringify(r.modelSettings)}`)}</title></circle>`);
  });
  body.push('</g>');
  const n = changed.filter(Boolean).length;
  return figure(
    'chart-var-history',
    'VaR and ES over the runs',
    `${runs.length} successful runs, oldest left; solid VaR, dashed ES per level.${n ? ` The black markers show the ${n} run${n === 1 ? '' : 's'} whose model or settings differ from the run before.` : ' Every run used the same model and settings.'}`,
    p,
    body.join(''),
  );
}

function attributionChart(runs: HistoryEntry[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.attribution)))];
  const colors = new Map(names.map((n, i) => [n, PALETTE[i % PALETTE.length]]));
  // stacked bars: positive contributions stack up from 0, diversifiers (negative) down from 0
  const tops = runs.map((r) => Object.values(r.attribution).reduce((s, v) => s + Math.max(v, 0), 0));
  const bottoms = runs.map((r) => Object.values(r.attribution).reduce((s, v) => s + Math.min(v, 0), 0));
  const [y0, y1] = pad(...extent([0, ...tops, ...bottoms]), 0.08);
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { legend: names.map((n) => ({ label: n, color: colors.get(n)! })) });
  const body: string[] = [axes(p, { x: 'run (data end date)', y: 'component VaR (% of portfolio)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  const w = Math.min(((p.right - p.left) / Math.max(runs.length, 1)) * 0.6, 60);
  runs.forEach((r, i) => {
    let up = 0, down = 0;
    for (const n of names) {
      const v = r.attribution[n];
      if (v === undefined || v === 0) continue;
      const a = v > 0 ? up : down, b = a + v;
      if (v > 0) up = b;
      else down = b;
      const ya = p.y(a), yb = p.y(b);
      body.push(`<rect class="segment" x="${c(p.x(i) - w / 2)}" y="${c(Math.min(ya, yb))}" width="${c(w)}" height="${c(Math.max(Math.abs(ya - yb), 0.5))}" fill="${colors.get(n)}"><title>${escapeHtml(`${r.window.end} ${n}: ${pct(v, 3)}`)}</title></rect>`);
    }
  });
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  const level = levelKeys(runs[runs.length - 1].risk)[0];
  return figure(
    'chart-attribution-history',
    'Factor attribution over time',
    `Euler contributions of each factor to the ${pctLevel(level ?? '')} VaR per run, stacked (they add up to the VaR); a bar below zero is a diversifier.`,
    p,
    body.join(''),
  );
}

function realizedChart(runs: HistoryEntry[], realized: Map<string, Realized>): string {
  const levels = levelKeys(runs[runs.length - 1].risk);
  const colors = new Map(levels.map((k, i) => [k, PALETTE[(i + 1) % PALETTE.length]]));
  const have = runs.map((r, i) => ({ r, i, x: realized.get(r.runId) })).filter((d) => d.x);
  const vals = [...have.map((d) => d.x!.return), ...runs.flatMap((r) => levels.map((k) => -(r.risk[k]?.var ?? 0)))];
  const [y0, y1] = pad(...extent([0, ...vals]), 0.1);
  const items: LegendItem[] = [
    ...levels.map((k) => ({ label: `−VaR ${pctLevel(k)}`, color: colors.get(k)! })),
    { label: 'realized next-day return', color: '#1b1f24', marker: true },
    { label: 'exception (loss beyond VaR)', color: '#b42318', marker: true },
  ];
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { height: 300, legend: items });
  const body: string[] = [clip('clip-realized', p), axes(p, { x: 'run (data end date)', y: 'return (%)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  body.push('<g clip-path="url(#clip-realized)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  for (const k of levels) body.push(polyline(runs.map((r, i) => [p.x(i), p.y(-(r.risk[k]?.var ?? NaN))]), `stroke="${colors.get(k)}" stroke-width="1.8"`));
  for (const { r, i, x } of have) {
    const exception = x!.exceptions.length > 0;
    body.push(
      `<circle class="${exception ? 'realized exception' : 'realized'}" cx="${c(p.x(i))}" cy="${c(p.y(x!.return))}" r="${exception ? 5.5 : 4}" fill="${exception ? '#b42318' : '#1b1f24'}" stroke="#fff" stroke-width="1"><title>${escapeHtml(`${x!.date} after ${r.window.end}: ${pct(x!.return)}${exception ? `, beyond VaR ${x!.exceptions.map(pctLevel).join(', ')}` : ''}`)}</title></circle>`,
    );
  }
  body.push('</g>');
  const exceptions = have.filter((d) => d.x!.exceptions.length).length;
  const caption = have.length
    ? `The portfolio's return on the first day after each run's data, read from later uploads (${have.length} of ${runs.length} runs; the newest has none yet), against −VaR; ${exceptions} exception${exceptions === 1 ? '' : 's'} (red).`
    : `No later upload holds the day after any run's data yet: the points appear once one does. The lines show −VaR per level.`;
  return figure('chart-realized', 'Realized next-day returns against −VaR', caption, p, body.join(''));
}

function runTable(runs: HistoryEntry[], realized: Map<string, Realized>, changed: boolean[], options: HistoryOptions): string {
  const levels = levelKeys(runs[runs.length - 1].risk);
  const head = `<tr><th>Run (report)</th><th>Started (UTC)</th><th>Data</th><th>Model</th>${levels.map((k) => `<th>VaR / ES ${escapeHtml(pctLevel(k))}</th>`).join('')}<th>VaR ${escapeHtml(pctLevel(levels[0] ?? ''))} amount</th><th>Next day</th><th>Warnings</th></tr>`;
  const rows = [...runs.keys()]
    .reverse()
    .map((i) => {
      const r = runs[i];
      const href = options.reportHref(r);
      // run ids are long hashes: the first 12 characters name a run on the page, the full id is the link's title
      const short = r.runId.length > 14 ? `${r.runId.slice(0, 12)}…` : r.runId;
      const id = href ? `<a href="${escapeHtml(href)}" title="${escapeHtml(r.runId)}">${escapeHtml(short)}</a>` : `<span title="${escapeHtml(r.runId)}">${escapeHtml(short)}</span>`;
      const x = realized.get(r.runId);
      const next = x ? `${pct(x.return)}${x.exceptions.length ? ` <span class="bad">exception</span>` : ''}` : '—';
      return `<tr><td>${id}</td><td>${escapeHtml(utc(r.createdAt).replace(' UTC', ''))}</td><td>${escapeHtml(r.window.start)} … ${escapeHtml(r.window.end)} (${r.observations} d)</td><td class="text">${escapeHtml(r.model)}${changed[i] ? ' <span class="bad">changed</span>' : ''}</td>${levels
        .map((k) => `<td>${pct(r.risk[k]?.var)} / ${pct(r.risk[k]?.es)}</td>`)
        .join('')}<td>${money(r.risk[levels[0]]?.varValue)}</td><td>${next}</td><td>${r.warnings.length}</td></tr>`;
    })
    .join('');
  return `<div class="table-wrap"><table id="runs-table"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`;
}

/** One row per portfolio of the index page. */
export interface PortfolioIndexRow {
  portfolioId: string;
  latest?: HistoryEntry;
  historyHref: string;
}

export function renderIndex(rows: PortfolioIndexRow[], generatedAt?: string): string {
  const body = rows
    .map((r) => {
      const l = r.latest;
      const top = l ? levelKeys(l.risk)[0] : undefined;
      return `<tr><td><a href="${escapeHtml(r.historyHref)}">${escapeHtml(r.portfolioId)}</a></td><td>${l ? escapeHtml(utc(l.createdAt)) : '—'}</td><td>${l ? escapeHtml(l.window.end) : '—'}</td><td>${l && top ? `${escapeHtml(pctLevel(top))}: ${pct(l.risk[top].var)}` : '—'}</td><td>${l && top ? pct(l.risk[top].es) : '—'}</td><td>${l && top ? money(l.risk[top].varValue) : '—'}</td></tr>`;
    })
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>varstream portfolios</title>
<style>${STYLE}</style>
</head>
<body>
<header><p class="kicker">varstream · value at risk</p><h1>Portfolios</h1></header>
<main>
${rows.length ? `<div class="table-wrap"><table id="portfolios"><thead><tr><th>Portfolio</th><th>Latest run</th><th>Data to</th><th>VaR</th><th>ES</th><th>VaR amount</th></tr></thead><tbody>${body}</tbody></table></div>` : '<p>No portfolio has a successful run yet.</p>'}
</main>
<footer>varstream ${escapeHtml(VARSTREAM_VERSION)}${generatedAt ? ` · generated ${escapeHtml(utc(generatedAt))}` : ''}</footer>
</body>
</html>
`;
}
