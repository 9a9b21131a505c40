// A portfolio's VaR history page: a pure function of the runs' history entries (history-entry.ts). Same rules as the
// run report: one file, inline SVG, no script, CSP-locked. Its charts: history-charts.ts; the index page:
// portfolio-index.ts.
import { type HistoryEntry, modelChanges, type Realized, realizedReturns } from './history-entry.ts';
import { attributionChart, realizedChart, varChart } from './history-charts.ts';
import { levelKeys, money, pct, pctLevel, pp, utc } from './format.ts';
import { escapeHtml } from './svg.ts';
import { htmlPage } from './page.ts';

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
  return htmlPage({
    title,
    body: `<header id="subject"><p class="kicker">varstream · value at risk history</p>
<h1>Portfolio <span id="portfolio-id">${escapeHtml(portfolioId)}</span> · ${runs.length} run${runs.length === 1 ? '' : 's'}</h1>
${summary}</header>
<main>
${sections.join('\n')}
</main>`,
    kind: 'history',
    generatedAt: options.generatedAt,
  });
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
