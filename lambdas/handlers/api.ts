// The REST routes as one pure function (request → response), served by API Gateway here and by node:http in the
// local stack. Errors are JSON {error} with 400 (bad request), 404 (no such run/route), 413 (inline CSV > 1 MB).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { parseSettings } from '../engine/config.ts';
import { InputError } from '../engine/types.ts';
import { apiRunId, isPortfolioId } from '../adapters/run-ids.ts';
import { inlineUploadKey, reportPath, type RunInput } from './contracts.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';

export const MAX_INLINE_CSV_BYTES = 1024 * 1024;
export const MAX_LIST_LIMIT = 100;

export interface ApiRequest {
  method: string;
  /** path without stage, e.g. /runs/abc */
  path: string;
  query?: Record<string, string | undefined>;
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

export async function route(req: ApiRequest, deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'start' | 'logger'>): Promise<ApiResponse> {
  const method = req.method.toUpperCase();
  const parts = req.path.split('?')[0].split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts.length === 1 && parts[0] === 'runs') {
      if (method !== 'POST') return error(405, `${method} not allowed on /runs`);
      return await postRun(req.body ?? '', deps);
    }
    if (parts.length === 2 && parts[0] === 'runs' && method === 'GET') {
      const run = await deps.runs.get(parts[1]);
      if (!run) return error(404, `no run ${parts[1]}`);
      return json(200, run.reportKey ? { ...run, reportUrl: reportPath(run.runId) } : run);
    }
    if (parts.length === 3 && parts[0] === 'runs' && parts[2] === 'report' && method === 'GET') return await getReport(parts[1], deps);
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

/**
 * The run's HTML report. The record is read first: the API may read reports/* objects but not list the bucket, so a
 * missing object would be 403 from S3, never 404.
 */
async function getReport(runId: string, deps: Pick<Deps, 'bucket' | 'objects' | 'runs'>): Promise<ApiResponse> {
  const run = await deps.runs.get(runId);
  if (!run) return error(404, `no run ${runId}`);
  if (!run.reportKey) return error(404, `run ${runId} has no report (${run.status})`);
  const html = await deps.objects.getText(deps.bucket, run.reportKey);
  if (html === undefined) return error(404, `run ${runId}: report ${run.reportKey} is gone`);
  return { statusCode: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: html };
}

async function postRun(body: string, deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'start' | 'logger'>): Promise<ApiResponse> {
  // API Gateway's model already validated the shape; the local stack has no gateway, so check here too
  if (Buffer.byteLength(body) > MAX_INLINE_CSV_BYTES + 64 * 1024) return error(413, `request body over ${MAX_INLINE_CSV_BYTES} bytes`);
  let req: { portfolioId?: unknown; key?: unknown; versionId?: unknown; csv?: unknown; settings?: unknown };
  try {
    req = JSON.parse(body || '{}');
  } catch {
    return error(400, 'body is not valid JSON');
  }
  if (req === null || typeof req !== 'object' || Array.isArray(req)) return error(400, 'body must be a JSON object');
  const unknown = Object.keys(req).filter((k) => !['portfolioId', 'key', 'versionId', 'csv', 'settings'].includes(k));
  if (unknown.length) return error(400, `unknown field "${unknown[0]}"`);
  if (!isPortfolioId(req.portfolioId)) return error(400, 'portfolioId is required: letters, digits, ".", "_", "-"');
  const portfolioId = req.portfolioId;
  if ((req.key === undefined) === (req.csv === undefined)) return error(400, 'give exactly one of key or csv');
  if (req.settings !== undefined && (req.settings === null || typeof req.settings !== 'object' || Array.isArray(req.settings)))
    return error(400, 'settings must be an object');
  // refuse bad settings now (400), not minutes later as a FAILED run
  if (req.settings) parseSettings(req.settings, 'settings');

  const runId = apiRunId();
  let input: RunInput['input'];
  if (typeof req.csv === 'string') {
    if (Buffer.byteLength(req.csv) > MAX_INLINE_CSV_BYTES) return error(413, `csv over ${MAX_INLINE_CSV_BYTES} bytes: upload it to uploads/${portfolioId}/ instead`);
    const key = inlineUploadKey(portfolioId, runId);
    const put = await deps.objects.putText(deps.bucket, key, req.csv, 'text/csv');
    input = { bucket: deps.bucket, key, ...(put.versionId ? { versionId: put.versionId } : {}), ...(put.etag ? { etag: put.etag } : {}) };
  } else {
    if (typeof req.key !== 'string' || !req.key.startsWith('uploads/')) return error(400, 'key must be an object key under uploads/');
    if (req.versionId !== undefined && typeof req.versionId !== 'string') return error(400, 'versionId must be a string');
    const head = await deps.objects.head(deps.bucket, req.key);
    if (!head) return error(404, `no object ${req.key}`);
    const versionId = (req.versionId as string | undefined) ?? head.versionId;
    input = { bucket: deps.bucket, key: req.key, ...(versionId ? { versionId } : {}), ...(head.etag ? { etag: head.etag } : {}) };
  }
  const run: RunInput = {
    runId,
    portfolioId,
    input,
    createdAt: new Date().toISOString(),
    ...(req.settings ? { settings: req.settings as Record<string, unknown> } : {}),
    origin: 'api',
  };
  // RUNNING now, so GET /runs/{runId} answers 200 right after the 202
  await deps.runs.create({ runId, portfolioId, status: 'RUNNING', createdAt: run.createdAt, input, ...(run.settings ? { settings: run.settings } : {}) });
  await deps.start(run);
  return json(202, { runId });
}

/** API Gateway proxy event → ApiRequest (the resource path, without the stage). */
export function fromProxyEvent(event: APIGatewayProxyEvent): ApiRequest {
  const query: Record<string, string | undefined> = { ...(event.queryStringParameters ?? {}) };
  const body = event.body && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf-8') : event.body;
  return { method: event.httpMethod, path: event.path, query, body };
}

export const handler = middy(async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
  logger.appendKeys({ requestId: event.requestContext?.requestId });
  return route(fromProxyEvent(event), depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
