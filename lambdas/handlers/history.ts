// The VaR history of a portfolio, assembled from the run store (which runs succeeded) and each run's history entry in
// S3 (reports/<portfolioId>/runs/<runId>.json). Reduce writes the entry and the page; the API renders the same page
// on request (fresh even when two runs of one portfolio finished at the same moment) or answers its JSON.
import { isPortfolioId } from '../contracts/run-ids.ts';
import { renderHistory } from '../report/history.ts';
import type { HistoryEntry } from '../report/history-entry.ts';
import { renderIndex } from '../report/portfolio-index.ts';
import { historyEntryKey, historyPageKey, historyPath, reportPath } from '../contracts/keys.ts';
import type { Deps } from './deps.ts';

/** Runs a history page shows at most (the newest). */
export const HISTORY_RUNS = 100;
/** S3 reads in flight at once. */
const CONCURRENCY = 16;

type HistoryDeps = Pick<Deps, 'bucket' | 'objects' | 'runs'>;

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * The portfolio's successful runs' entries, oldest first. `current` is added even when the index does not list it
 * yet (the byPortfolio GSI is eventually consistent right after the SUCCEEDED update).
 */
export async function loadHistory(portfolioId: string, deps: HistoryDeps, current?: HistoryEntry): Promise<HistoryEntry[]> {
  const listed = (await deps.runs.listByPortfolio(portfolioId, HISTORY_RUNS)).filter((r) => r.status === 'SUCCEEDED' && r.runId !== current?.runId);
  // a run that succeeded before history entries existed has none (S3 answers 403 without ListBucket): it is left out
  const entries = await mapLimit(listed, CONCURRENCY, (r) => deps.objects.getJson<HistoryEntry>(deps.bucket, historyEntryKey(portfolioId, r.runId)).catch(() => undefined));
  const all = entries.filter((e): e is HistoryEntry => !!e);
  if (current) all.push(current);
  return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId));
}

/** The portfolio's newest successful run before `createdAt` (for the report's change column). */
export async function previousEntry(portfolioId: string, runId: string, createdAt: string, deps: HistoryDeps): Promise<HistoryEntry | undefined> {
  const listed = await deps.runs.listByPortfolio(portfolioId, 20);
  const prev = listed.find((r) => r.status === 'SUCCEEDED' && r.runId !== runId && r.createdAt <= createdAt);
  return prev ? deps.objects.getJson<HistoryEntry>(deps.bucket, historyEntryKey(portfolioId, prev.runId)) : undefined;
}

/** The page as stored in S3 (reports/<portfolioId>/index.html): links go to the reports next to it. */
export function historyPageForBucket(portfolioId: string, entries: HistoryEntry[], generatedAt?: string): string {
  return renderHistory(portfolioId, entries, { reportHref: (e) => (e.reportKey ? `../${e.reportKey.replace(/^reports\//, '')}` : undefined), generatedAt });
}

/** The page as the API serves it at /portfolios/{id}/history: links go to /runs/{runId}/report, relative to it. */
export function historyPageForApi(portfolioId: string, entries: HistoryEntry[], generatedAt?: string): string {
  return renderHistory(portfolioId, entries, { reportHref: (e) => (e.reportKey ? `../..${reportPath(e.runId)}` : undefined), generatedAt });
}

/** Reduce: store this run's entry, then rewrite the portfolio's page. */
export async function writeHistory(entry: HistoryEntry, deps: HistoryDeps): Promise<string> {
  await deps.objects.putText(deps.bucket, historyEntryKey(entry.portfolioId, entry.runId), JSON.stringify(entry), 'application/json');
  const entries = await loadHistory(entry.portfolioId, deps, entry);
  const key = historyPageKey(entry.portfolioId);
  await deps.objects.putText(deps.bucket, key, historyPageForBucket(entry.portfolioId, entries, entry.finishedAt), 'text/html; charset=utf-8');
  return key;
}

/** The API's GET /: every portfolio with a history (a folder under reports/) and its latest run. */
export async function portfolioIndex(deps: HistoryDeps, format: 'html' | 'json'): Promise<string> {
  const ids = (await deps.objects.listPrefixes(deps.bucket, 'reports/')).filter((p) => isPortfolioId(p)).sort();
  const rows = await mapLimit(ids, CONCURRENCY, async (portfolioId) => {
    const latest = (await deps.runs.listByPortfolio(portfolioId, 20)).find((r) => r.status === 'SUCCEEDED');
    const entry = latest ? await deps.objects.getJson<HistoryEntry>(deps.bucket, historyEntryKey(portfolioId, latest.runId)) : undefined;
    return { portfolioId, historyHref: historyPath(portfolioId).slice(1), ...(entry ? { latest: entry } : {}) };
  });
  if (format === 'json')
    return JSON.stringify({
      portfolios: rows.map(({ portfolioId, historyHref, latest }) => {
        const { returns: _, ...summary } = latest ?? ({} as Partial<HistoryEntry>);
        return { portfolioId, historyUrl: `/${historyHref}`, ...(latest ? { latest: summary } : {}) };
      }),
    });
  return renderIndex(rows);
}
