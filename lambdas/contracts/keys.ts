// Where a run's objects live in the bucket, and the API paths that serve them: shared by the handlers, the CDK (which
// grants partials/* and reports/*) and the local stack.

export const partialKey = (runId: string, shard: number): string => `partials/${runId}/${shard}.json`;
export const partialBinKey = (runId: string, shard: number): string => `partials/${runId}/${shard}.bin`;
export const contextKey = (runId: string): string => `partials/${runId}/context.json`;
export const descriptorsKey = (runId: string): string => `partials/${runId}/descriptors.json`;
/** The run's HTML report, written by Reduce (kept: no lifecycle expiry) and served at GET /runs/{runId}/report. */
export const reportKey = (runId: string): string => `reports/${runId}.html`;
/** The API path of a run's report (relative to the API's base URL / stage). */
export const reportPath = (runId: string): string => `/runs/${encodeURIComponent(runId)}/report`;
export const inlineUploadKey = (portfolioId: string, runId: string): string => `inline/${portfolioId}/${runId}.csv`;
/** A successful run's history entry (reports/<portfolioId>/runs/<runId>.json), written by Reduce. */
export const historyEntryKey = (portfolioId: string, runId: string): string => `reports/${portfolioId}/runs/${runId}.json`;
/** The portfolio's VaR history page, rewritten by Reduce after every successful run. */
export const historyPageKey = (portfolioId: string): string => `reports/${portfolioId}/index.html`;
/** The API path of a portfolio's history page. */
export const historyPath = (portfolioId: string): string => `/portfolios/${encodeURIComponent(portfolioId)}/history`;
