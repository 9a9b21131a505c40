// The REST routes as one pure function (request → response), served by API Gateway here and by node:http in the
// local stack. Errors are JSON {error} with 400 (bad request), 404 (no such run/route), 409 (Idempotency-Key reused
// with another body, or its first request still in progress), 413 (inline CSV > 1 MB), 415 (POST not application/json).
// An answer over MAX_RESPONSE_BYTES goes by reference: a presigned URL (303 for the report, resultUrl for a run).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { IDEMPOTENCY_EXPIRY_SECONDS, type IdempotencyStore } from '../adapters/idempotency.ts';
import { parseSettings } from '../engine/config.ts';
import { InputError } from '../engine/types.ts';
import { apiRunId, isPortfolioId, isSafeObjectKey } from '../contracts/run-ids.ts';
import { MAX_INLINE_CSV_BYTES, parseRunRequest } from '../contracts/run-request.ts';
import { resultKey } from '../adapters/run-store.ts';
import { inlineUploadKey, reportPath } from '../contracts/keys.ts';
import type { RunInput } from '../contracts/steps.ts';
import { recordRunning } from './record-running.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';
import { historyPageForApi, loadHistory, portfolioIndex } from './history.ts';
import { realizedReturns, type HistoryEntry } from '../report/history-entry.ts';

/** Lambda caps a response at 6 MB (API Gateway at 10 MB); a larger answer goes by reference (a presigned GET URL). */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
export const MAX_LIST_LIMIT = 100;

export interface ApiRequest {
  method: string;
  /** path without stage, e.g. /runs/abc */
  path: string;
  query?: Record<string, string | undefined>;
  /** header names lower-case */
  headers?: Record<string, string | undefined>;
  body?: string | null;
}
export interface ApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const json = (statusCode: number, body: unknown): ApiResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const error = (statusCode: number, message: string): ApiResponse => json(statusCode, { error: message });

type ApiDeps = Pick<Deps, 'bucket' | 'objects' | 'runs' | 'start' | 'logger' | 'idempotency' | 'history'>;

export async function route(req: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  const method = req.method.toUpperCase();
  try {
    // a malformed escape (`/runs/%E0`) is the client's error, not a 500
    const parts = decodePath(req.path);
    if (!parts) return error(400, `malformed path ${req.path}`);
    if (parts.length === 1 && parts[0] === 'runs') {
      if (method !== 'POST') return error(405, `${method} not allowed on /runs`);
      // a web page can POST text/plain or a form cross-origin without asking; it cannot send application/json
      const type = (req.headers?.['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') return error(415, `POST /runs needs Content-Type: application/json (got ${type || 'none'})`);
      const key = req.headers?.[IDEMPOTENCY_HEADER];
      if (key === undefined || !deps.idempotency) return await postRun(req.body ?? '', deps);
      return await idempotentPostRun(key, req.body ?? '', deps as ApiDeps & { idempotency: IdempotencyStore });
    }
    if (parts.length === 2 && parts[0] === 'runs' && method === 'GET') {
      const run = await deps.runs.get(parts[1]);
      if (!run) return error(404, `no run ${parts[1]}`);
      // ?history=1 (local stack): the execution's states entered/exited, retries, catches and errors
      const execution = req.query?.history === '1' && deps.history ? await deps.history(run.runId) : undefined;
      const res = json(200, { ...run, ...(run.reportKey ? { reportUrl: reportPath(run.runId) } : {}), ...(execution ? { execution } : {}) });
      if (Buffer.byteLength(res.body) <= MAX_RESPONSE_BYTES) return res;
      // only a result stored as results/<runId>.json (over an item's size) can be this large: its summary here, the
      // whole run JSON at resultUrl
      const { runId, portfolioId, status, createdAt, finishedAt, input, error: err, reportKey } = run;
      const resultUrl = await deps.objects.presignGet(deps.bucket, resultKey(runId));
      return json(200, { runId, portfolioId, status, createdAt, finishedAt, input, error: err, reportKey, ...(reportKey ? { reportUrl: reportPath(runId) } : {}), resultUrl });
    }
    if (parts.length === 3 && parts[0] === 'runs' && parts[2] === 'report' && method === 'GET') return await getReport(parts[1], deps);
    if (parts.length === 0 && method === 'GET') {
      const format = wantsJson(req) ? 'json' : 'html';
      return { statusCode: 200, headers: { 'content-type': format === 'json' ? 'application/json' : 'text/html; charset=utf-8' }, body: await portfolioIndex(deps, format) };
    }
    if (parts.length === 3 && parts[0] === 'portfolios' && parts[2] === 'history' && method === 'GET') {
      if (!isPortfolioId(parts[1])) return error(400, `bad portfolioId "${parts[1]}"`);
      const entries = await loadHistory(parts[1], deps);
      if (!entries.length) return error(404, `portfolio ${parts[1]} has no successful run`);
      if (wantsJson(req)) return json(200, historyJson(parts[1], entries));
      return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: historyPageForApi(parts[1], entries) };
    }
    if (parts.length === 3 && parts[0] === 'portfolios' && parts[2] === 'runs' && method === 'GET') {
      if (!isPortfolioId(parts[1])) return error(400, `bad portfolioId "${parts[1]}"`);
      const raw = req.query?.limit;
      const limit = raw === undefined ? 20 : Number(raw);
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) return error(400, `limit must be an integer in 1..${MAX_LIST_LIMIT}`);
      return json(200, { portfolioId: parts[1], runs: await deps.runs.listByPortfolio(parts[1], limit) });
    }
    return error(404, `no route ${method} ${req.path}`);
  } catch (e) {
    if (e instanceof InputError) return error(400, e.message);
    deps.logger.error('api error', e as Error);
    return error(500, 'internal error');
  }
}

/** JSON when the client asks for it first (Accept: application/json), HTML otherwise (a browser). */
function wantsJson(req: ApiRequest): boolean {
  const accept = req.headers?.accept ?? '';
  const j = accept.indexOf('application/json'), h = accept.indexOf('text/html');
  return j >= 0 && (h < 0 || j < h);
}

/** The history as JSON: each run's numbers and its realized next-day return, without the stored return series. */
function historyJson(portfolioId: string, entries: HistoryEntry[]) {
  const realized = realizedReturns(entries);
  return {
    portfolioId,
    runs: entries.map(({ returns: _, ...e }) => ({ ...e, ...(e.reportKey ? { reportUrl: reportPath(e.runId) } : {}), ...(realized.has(e.runId) ? { realized: realized.get(e.runId) } : {}) })),
  };
}

function decodePath(path: string): string[] | undefined {
  try {
    return path.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/**
 * The run's HTML report. The record is read first: the API may read reports/* objects but not list the bucket, so a
 * missing object would be 403 from S3, never 404.
 */
async function getReport(runId: string, deps: Pick<Deps, 'bucket' | 'objects' | 'runs'>): Promise<ApiResponse> {
  const run = await deps.runs.get(runId);
  if (!run) return error(404, `no run ${runId}`);
  if (!run.reportKey) return error(404, `run ${runId} has no report (${run.status})`);
  const head = await deps.objects.head(deps.bucket, run.reportKey);
  if (head && head.size > MAX_RESPONSE_BYTES) {
    const location = await deps.objects.presignGet(deps.bucket, run.reportKey);
    return { statusCode: 303, headers: { 'content-type': 'application/json', location }, body: JSON.stringify({ reportUrl: location }) };
  }
  const html = await deps.objects.getText(deps.bucket, run.reportKey);
  if (html === undefined) return error(404, `run ${runId}: report ${run.reportKey} is gone`);
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

/** The header a client sets to make POST /runs safe to retry (lower-case, as ApiRequest.headers holds it). */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const MAX_IDEMPOTENCY_KEY_LENGTH = 256;

/**
 * Replays are keyed by the header alone and validated against the parsed body (keys sorted by Powertools before
 * hashing, so JSON formatting and key order do not matter). The Lambda handler registers its context here so a
 * request that dies mid-way frees its key when the invocation's time is up.
 */
export const idempotencyConfig = new IdempotencyConfig({
  eventKeyJmesPath: 'idempotencyKey',
  payloadValidationJmesPath: 'request',
  expiresAfterSeconds: IDEMPOTENCY_EXPIRY_SECONDS,
  throwOnNoIdempotencyKey: true,
});

interface KeyedPost {
  idempotencyKey: string;
  request: unknown;
  body: string;
}

/** A response that must not be remembered (anything but 202): thrown so Powertools deletes the in-progress record. */
class NotRemembered extends Error {
  constructor(readonly response: ApiResponse) {
    super(`POST /runs answered ${response.statusCode}`);
  }
}

// one idempotent wrapper per store: Powertools configures a persistence layer once
const idempotentPosts = new WeakMap<IdempotencyStore, (k: KeyedPost, deps: ApiDeps) => Promise<ApiResponse>>();

/**
 * POST /runs with an Idempotency-Key: the first request's 202 {runId} is stored and replayed for a day to every
 * retry with the same key and the same body (one run started); the same key with another body is 409. Only a 202 is
 * remembered, so a request refused for a fixable reason (400/404/413) may be retried with its key once fixed.
 */
async function idempotentPostRun(key: string, body: string, deps: ApiDeps & { idempotency: IdempotencyStore }): Promise<ApiResponse> {
  if (key.length < 1 || key.length > MAX_IDEMPOTENCY_KEY_LENGTH) return error(400, `Idempotency-Key must be 1..${MAX_IDEMPOTENCY_KEY_LENGTH} characters`);
  let request: unknown;
  try {
    request = JSON.parse(body || '{}');
  } catch {
    return postRun(body, deps); // 400, nothing to remember
  }
  let post = idempotentPosts.get(deps.idempotency);
  if (!post) {
    post = makeIdempotent(
      async (k: KeyedPost, d: ApiDeps): Promise<ApiResponse> => {
        const res = await postRun(k.body, d);
        if (res.statusCode !== 202) throw new NotRemembered(res);
        return res;
      },
      { persistenceStore: deps.idempotency, config: idempotencyConfig, keyPrefix: 'varstream.postRun' },
    );
    idempotentPosts.set(deps.idempotency, post);
  }
  try {
    return await post({ idempotencyKey: key, request, body }, deps);
  } catch (e) {
    if (e instanceof NotRemembered) return e.response;
    if (e instanceof IdempotencyValidationError) return error(409, `Idempotency-Key "${key}" was used with a different request body`);
    if (e instanceof IdempotencyAlreadyInProgressError)
      return { ...error(409, `a request with Idempotency-Key "${key}" is still in progress: retry shortly`), headers: { 'content-type': 'application/json', 'retry-after': '1' } };
    throw e;
  }
}

async function postRun(body: string, deps: ApiDeps): Promise<ApiResponse> {
  // API Gateway's model already validated the shape; the local stack has no gateway, so check here too
  if (Buffer.byteLength(body) > MAX_INLINE_CSV_BYTES + 64 * 1024) return error(413, `request body over ${MAX_INLINE_CSV_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(body || '{}');
  } catch {
    return error(400, 'body is not valid JSON');
  }
  // bytes before shape: an inline CSV over the limit is 413 even where the schema's character limit would say 400
  const rawCsv = (raw as { csv?: unknown } | null)?.csv;
  if (typeof rawCsv === 'string' && Buffer.byteLength(rawCsv) > MAX_INLINE_CSV_BYTES) {
    const where = isPortfolioId((raw as { portfolioId?: unknown }).portfolioId) ? (raw as { portfolioId: string }).portfolioId : '<portfolioId>';
    return error(413, `csv over ${MAX_INLINE_CSV_BYTES} bytes: upload it to uploads/${where}/ instead`);
  }
  // the same schema API Gateway's model is generated from (lambdas/contracts/run-request.ts)
  const parsed = parseRunRequest(raw);
  if (!parsed.success) return error(400, parsed.error);
  const req = parsed.data;
  const portfolioId = req.portfolioId;
  // refuse bad settings now (400), not minutes later as a FAILED run
  if (req.settings) parseSettings(req.settings, 'settings');

  const runId = apiRunId();
  let input: RunInput['input'];
  if (req.csv !== undefined) {
    const key = inlineUploadKey(portfolioId, runId);
    const put = await deps.objects.putText(deps.bucket, key, req.csv, 'text/csv');
    input = { bucket: deps.bucket, key, ...(put.versionId ? { versionId: put.versionId } : {}), ...(put.etag ? { etag: put.etag } : {}) };
  } else {
    // a run reads only its own portfolio's uploads: a key elsewhere would mix one portfolio's data into another's runs
    if (!req.key.startsWith(`uploads/${portfolioId}/`) || !isSafeObjectKey(req.key))
      return error(400, `key must be an object key under uploads/${portfolioId}/ (no empty, "." or ".." segments)`);
    const head = await deps.objects.head(deps.bucket, req.key);
    if (!head) return error(404, `no object ${req.key}`);
    const versionId = req.versionId ?? head.versionId;
    input = { bucket: deps.bucket, key: req.key, ...(versionId ? { versionId } : {}), ...(head.etag ? { etag: head.etag } : {}) };
  }
  const run: RunInput = {
    runId,
    portfolioId,
    input,
    createdAt: new Date().toISOString(),
    ...(req.settings ? { settings: req.settings } : {}),
    origin: 'api',
  };
  // RUNNING now, so GET /runs/{runId} answers 200 right after the 202
  await recordRunning(run, deps.runs);
  await deps.start(run);
  return json(202, { runId });
}

/** API Gateway proxy event → ApiRequest (the resource path, without the stage). */
export function fromProxyEvent(event: APIGatewayProxyEvent): ApiRequest {
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf-8') : event.body;
  // HTTP header names are case-insensitive; API Gateway passes them as the client wrote them
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? undefined]));
  return { method: event.httpMethod, path: event.path, query, headers, body };
}

export const handler = middy(async (event: APIGatewayProxyEvent, context: Context): Promise<APIGatewayProxyResult> => {
  logger.appendKeys({ requestId: event.requestContext?.requestId });
  idempotencyConfig.registerLambdaContext(context);
  return route(fromProxyEvent(event), depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
