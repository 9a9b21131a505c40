// EventBridge → one run. "Object Created" under uploads/<portfolioId>/…csv starts the run named by the object's
// identity hash; a "Scheduled Event" re-runs the latest upload of each configured portfolio. A duplicate event
// finds the execution name taken (ExecutionAlreadyExists) and does nothing.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { portfolioIdFromKey, scheduledRunId, uploadRunId } from '../contracts/run-ids.ts';
import type { RunInput } from '../contracts/steps.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';

export interface ObjectCreatedEvent {
  'detail-type': 'Object Created';
  time?: string;
  detail: { bucket: { name: string }; object: { key: string; 'version-id'?: string; etag?: string; sequencer?: string; size?: number } };
}
export interface ScheduledEvent {
  'detail-type': 'Scheduled Event';
  time: string;
}
export type TriggerEvent = ObjectCreatedEvent | ScheduledEvent;

export interface Started {
  runId: string;
  portfolioId: string;
  key: string;
  started: boolean;
}

/** Where SKIPPED records of uploads that name no valid portfolio are listed: GET /portfolios/_ignored/runs. */
export const IGNORED_PORTFOLIO = '_ignored';

type TriggerDeps = Pick<Deps, 'start' | 'objects' | 'runs' | 'portfolios' | 'bucket' | 'logger'>;

/** A visible trace of something that did not run: a SKIPPED run record with the reason (conditional: once per id). */
async function skip(deps: TriggerDeps, runId: string, portfolioId: string, input: RunInput['input'], createdAt: string, reason: string): Promise<void> {
  deps.logger.warn(reason, { runId, portfolioId, key: input.key });
  const finishedAt = new Date().toISOString();
  await deps.runs.create({ runId, portfolioId, status: 'SKIPPED', createdAt, finishedAt, input, error: reason });
}

export async function triggerStep(event: TriggerEvent, deps: TriggerDeps): Promise<{ runs: Started[]; skipped?: string }> {
  if (event['detail-type'] === 'Object Created') {
    const bucket = event.detail.bucket.name;
    const object = event.detail.object;
    // S3's EventBridge events carry the key as stored (unlike classic notifications, not URL-encoded)
    const key = object.key;
    const portfolioId = portfolioIdFromKey(key);
    const versionId = object['version-id'];
    const runId = uploadRunId({ bucket, key, versionId, sequencer: object.sequencer ?? object.etag });
    if (!portfolioId) {
      const input = { bucket, key, ...(versionId ? { versionId } : {}), ...(object.etag ? { etag: object.etag } : {}) };
      const reason = `ignored upload ${key}: expected uploads/<portfolioId>/<name>.csv, portfolioId of letters, digits, ".", "_", "-"`;
      await skip(deps, runId, IGNORED_PORTFOLIO, input, event.time ?? new Date().toISOString(), reason);
      return { runs: [], skipped: key };
    }
    const input: RunInput = {
      runId,
      portfolioId,
      input: { bucket, key, ...(versionId ? { versionId } : {}), ...(object.etag ? { etag: object.etag } : {}) },
      createdAt: event.time ?? new Date().toISOString(),
      origin: 'upload',
    };
    const { started } = await deps.start(input);
    deps.logger.info(started ? 'run started' : 'duplicate event: run already exists', { runId, key });
    return { runs: [{ runId, portfolioId, key, started }] };
  }

  // Scheduled Event: one run per configured portfolio, from its newest upload
  const runs: Started[] = [];
  for (const portfolioId of deps.portfolios) {
    const latest = await deps.objects.latestObject(deps.bucket, `uploads/${portfolioId}/`, '.csv');
    if (!latest) {
      const source = { bucket: deps.bucket, key: `uploads/${portfolioId}/` };
      const reason = `scheduled re-run skipped: no upload under uploads/${portfolioId}/`;
      await skip(deps, scheduledRunId(portfolioId, event.time, source), portfolioId, source, event.time, reason);
      continue;
    }
    const source = { bucket: deps.bucket, key: latest.key, versionId: latest.versionId };
    const runId = scheduledRunId(portfolioId, event.time, source);
    const { started } = await deps.start({
      runId,
      portfolioId,
      input: { bucket: deps.bucket, key: latest.key, ...(latest.versionId ? { versionId: latest.versionId } : {}), ...(latest.etag ? { etag: latest.etag } : {}) },
      createdAt: event.time,
      origin: 'schedule',
    });
    runs.push({ runId, portfolioId, key: latest.key, started });
  }
  deps.logger.info('schedule fired', { runs: runs.length });
  return { runs };
}

export const handler = middy(async (event: TriggerEvent) => triggerStep(event, depsFromEnv())).use(
  injectLambdaContext(logger, { resetKeys: true }),
);
