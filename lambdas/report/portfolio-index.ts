// The portfolios index page: one row per portfolio with its latest run. Same rules as the run report: one file, no
// script, CSP-locked.
import type { HistoryEntry } from './history-entry.ts';
import { levelKeys, money, pct, pctLevel, utc } from './format.ts';
import { escapeHtml } from './svg.ts';
import { htmlPage } from './page.ts';

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
  return htmlPage({
    title: 'varstream portfolios',
    body: `<header><p class="kicker">varstream · value at risk</p><h1>Portfolios</h1></header>
<main>
${rows.length ? `<div class="table-wrap"><table id="portfolios"><thead><tr><th>Portfolio</th><th>Latest run</th><th>Data to</th><th>VaR</th><th>ES</th><th>VaR amount</th></tr></thead><tbody>${body}</tbody></table></div>` : '<p>No portfolio has a successful run yet.</p>'}
</main>`,
    generatedAt,
  });
}
