// Fit: config/<portfolioId>.json + request settings → stream the CSV from S3 → OLS, screening, LASSO → factor model →
// shard plan. Writes RUNNING first (conditional: a duplicate never makes a second run). Too-large-for-state pieces
// (fit context, many descriptors) go to S3 under partials/<runId>/.
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { parseSettings, parseSettingsJson, type Settings } from '../engine/config.ts';
import { readReturns } from '../engine/csv.ts';
import { factorModel, fitModel } from '../engine/fit.ts';
import { simulationSettings, withoutResiduals } from '../engine/run.ts';
import { runBacktestSetting } from '../engine/backtest/models.ts';
import type { ModelComparison } from '../engine/backtest/compare.ts';
import { planShards } from '../engine/simulate.ts';
import type { Bootstrap } from '../engine/models/bootstrap.ts';
import { modelRunFor, readOnce } from '../engine/models/run.ts';
import { InputError, type FactorModel, type FitResult, type ShardDescriptor, type SimulationSettings } from '../engine/types.ts';
import { OBJECT_CHANGED, isMd5, s3Ref } from '../adapters/object-store.ts';
import { RunAlreadyFinished } from '../contracts/errors.ts';
import type { Timings } from '../contracts/run.ts';
import { HISTORY_RETURNS } from '../report/history-entry.ts';
import { contextKey, descriptorsKey } from '../contracts/keys.ts';
import type { FitOutput, RunInput } from '../contracts/steps.ts';
import { recordRunning } from './record-running.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';

/** Fit → Reduce hand-over, stored as JSON at partials/<runId>/context.json. */
export interface FitContext {
  fit: FitResult;
  model: FactorModel;
  settings: Settings;
  simulation: SimulationSettings;
  timings: Timings;
  /** the window's last portfolio returns: the history page reads the realized return after earlier runs from them */
  returns?: { dates: string[]; values: number[] };
  /** settings.bootstrap > 0: the VaR intervals from re-fitting on resampled windows (Reduce puts them in the run JSON) */
  bootstrap?: Bootstrap;
  /** the setting `backtest`'s model comparison */
  backtest?: ModelComparison;
}

/** Descriptor JSON above this goes through S3 even under the inline shard limit (the state holds at most 256 KB). */
const INLINE_DESCRIPTORS_BYTES = 128 * 1024;

/** Accepts the nested RunInput and the flat {bucket, key, versionId, portfolioId, runId, settings} form. */
export function normalizeRunInput(e: RunInput | (Omit<RunInput, 'input' | 'createdAt'> & { bucket: string; key: string; versionId?: string; createdAt?: string })): RunInput {
  if ('input' in e && e.input) return { ...e, createdAt: e.createdAt ?? new Date().toISOString() };
  const { bucket, key, versionId, ...rest } = e as typeof e & { bucket: string; key: string; versionId?: string };
  return { ...(rest as Omit<RunInput, 'input'>), input: { bucket, key, ...(versionId ? { versionId } : {}) }, createdAt: rest.createdAt ?? new Date().toISOString() };
}

export async function loadSettings(run: RunInput, deps: Pick<Deps, 'bucket' | 'objects'>): Promise<Settings> {
  const configFile = `config/${run.portfolioId}.json`;
  const text = await deps.objects.getText(deps.bucket, configFile);
  const overrides = run.settings ?? {};
  return text === undefined ? parseSettings(overrides, 'settings') : parseSettingsJson(text, configFile, overrides);
}

export async function fitStep(event: Parameters<typeof normalizeRunInput>[0], deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'inlineShardLimit' | 'logger'>): Promise<FitOutput<ShardDescriptor>> {
  const run = normalizeRunInput(event);
  const { runId, portfolioId, input, createdAt } = run;
  const { created, record } = await recordRunning(run, deps.runs);
  if (!created && record.status !== 'RUNNING') throw new RunAlreadyFinished(runId, record.status);

  const t0 = performance.now();
  const settings = await loadSettings(run, deps);
  const object = await deps.objects.openObject(input.bucket, input.key, input.versionId, input.etag);
  if (object.size > settings.maxFileBytes) {
    // the body is never read: end it, or its socket stays checked out of the client's pool
    await object.body[Symbol.asyncIterator]().return?.();
    throw new InputError(input.key, 1, 1, `file is ${object.size} bytes, over maxFileBytes ${settings.maxFileBytes}`);
  }
  const data = await readReturns(object.body, input.key, settings).catch(async (e: unknown) => {
    // a torn or replaced file (a second PUT to the same key) is not the user's syntax error: say what happened
    if (e instanceof InputError && !input.versionId && input.etag && isMd5(input.etag) && !e.message.endsWith(OBJECT_CHANGED))
      if (!(await deps.objects.hasContent(input.bucket, input.key, input.etag))) throw new InputError(s3Ref(input.bucket, input.key), 1, 1, OBJECT_CHANGED);
    throw e;
  });
  const t1 = performance.now();
  const fit = fitModel(data, settings);
  // models other than "normal" and the backtest setting read the whole history up to the window's end: one second
  // pass over the same version, shared by both
  const history = readOnce(async (end) => {
    const again = await deps.objects.openObject(input.bucket, input.key, input.versionId, input.etag ?? object.etag);
    return readReturns(again.body, input.key, { ...settings, start: undefined, end });
  });
  const { model, simulation, bootstrap } = await modelRunFor(settings, fit, factorModel(fit, data), simulationSettings(settings), history, data);
  const descriptors = planShards(model, simulation, settings.confidence, runId);
  const t2 = performance.now();
  // the comparison's models read the file's days before the window too
  const backtest = settings.backtest ? runBacktestSetting(await history(data.dates[data.dates.length - 1]), settings) : undefined;
  const timings = { readMs: t1 - t0, fitMs: t2 - t1, ...(backtest ? { backtestMs: performance.now() - t2 } : {}) };

  const recent = Math.max(data.dates.length - HISTORY_RETURNS, 0);
  const returns = { dates: data.dates.slice(recent), values: Array.from(data.y.subarray(recent)) };
  // the residuals (2·n numbers) served factorModel's s² already: Reduce needs the summaries only (~40 MB at 10^6 rows)
  const lean: FitResult = { ...fit, full: withoutResiduals(fit.full), final: withoutResiduals(fit.final) };
  const context: FitContext = { fit: lean, model, settings, simulation, timings, returns, ...(bootstrap ? { bootstrap } : {}), ...(backtest ? { backtest } : {}) };
  const ctxKey = contextKey(runId);
  await deps.objects.putText(deps.bucket, ctxKey, JSON.stringify(context), 'application/json');
  const ref = { runId, portfolioId, input: { ...input, ...(object.etag && !input.etag ? { etag: object.etag } : {}) }, createdAt, shardCount: descriptors.length, contextKey: ctxKey };
  const text = JSON.stringify(descriptors);
  let out: FitOutput<ShardDescriptor>;
  if (descriptors.length > deps.inlineShardLimit || Buffer.byteLength(text) > INLINE_DESCRIPTORS_BYTES) {
    out = { ...ref, descriptorsKey: descriptorsKey(runId) };
    await deps.objects.putText(deps.bucket, out.descriptorsKey, text, 'application/json');
  } else {
    out = { ...ref, descriptors };
  }
  deps.logger.info('fitted', { observations: fit.observations, selected: fit.selected, shards: descriptors.length, readMs: t1 - t0, fitMs: t2 - t1 });
  return out;
}

export const handler = middy(async (event: RunInput) => {
  logger.appendKeys({ runId: event.runId, portfolioId: event.portfolioId });
  return fitStep(event, depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
