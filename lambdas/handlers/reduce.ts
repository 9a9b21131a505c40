// Reduce: every shard partial (inline, by reference, or persisted by a Distributed Map) → one streaming tail merge →
// VaR/ES/attribution/stress → the run JSON → the HTML report at reports/<runId>.html → SUCCEEDED with its reportKey
// (conditional: a re-run writes nothing twice; the report is deterministic, so rewriting it changes no byte).
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { StoredDataError } from '../contracts/errors.ts';
import { resolvePartial } from '../engine/partial-codec.ts';
import { historyEntry, type HistoryEntry } from '../report/history-entry.ts';
import { renderReport, type PreviousRun } from '../report/report.ts';
import { buildRunResult, simulateAndReduce } from '../engine/run.ts';
import { withBootstrap } from '../engine/models/run.ts';
import type { ShardPartial } from '../engine/types.ts';
import { riskAt } from '../adapters/run-store.ts';
import { partialKey, reportKey } from '../contracts/keys.ts';
import { parsePartialMessage, type ReduceInput } from '../contracts/steps.ts';
import { depsFromEnv, logger, type Deps } from './deps.ts';
import { previousEntry, writeHistory } from './history.ts';
import type { FitContext } from './fit.ts';

/** S3 reads in flight at once while fetching partials. */
const FETCH_CONCURRENCY = 16;

export async function reduceStep(event: ReduceInput<ShardPartial>, deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'logger'>): Promise<{ runId: string; status: 'SUCCEEDED'; recorded: boolean; var99?: number; es99?: number; reportKey?: string }> {
  const t0 = performance.now();
  const ctx = await deps.objects.getJson<FitContext>(deps.bucket, event.contextKey);
  if (!ctx) throw new StoredDataError(event.contextKey, `run ${event.runId}: missing fit context ${event.contextKey}`);
  const { fit, model, settings, simulation } = ctx;

  const shards = event.partials ? event.partials.length : event.shardCount;
  // the shards were simulated by the Simulate tasks: their partials fill the merger
  const reduced = await simulateAndReduce(model, simulation, settings, async (merger) => {
    let next = 0;
    const worker = async () => {
      while (next < shards) {
        const i = next++;
        const message = event.partials ? event.partials[i] : await deps.objects.getJson<ShardPartial>(deps.bucket, partialKey(event.runId, i));
        if (!message) throw new StoredDataError(partialKey(event.runId, i), `run ${event.runId}: missing partial of shard ${i}`);
        const checked = parsePartialMessage(message);
        if (!checked.success) throw new StoredDataError(partialKey(event.runId, i), `run ${event.runId}: partial of shard ${i}: ${checked.error}`);
        merger.add(await resolvePartial(message, deps.objects));
      }
    };
    await Promise.all(Array.from({ length: Math.min(FETCH_CONCURRENCY, shards) }, worker));
  });
  const timings = { ...ctx.timings, reduceMs: performance.now() - t0 };
  const result = withBootstrap(buildRunResult(fit, model, settings, reduced, timings, simulation), ctx.bootstrap);
  if (ctx.backtest) result.backtest = ctx.backtest;
  const previous = await findPrevious(event, deps);
  const report = await writeReport(event, result, settings, previous, deps);
  const finishedAt = new Date().toISOString();
  const recorded = await deps.runs.succeed(event.runId, result, { ...(report ? { reportKey: report } : {}), finishedAt });
  // a re-run of a finished reducer (recorded false) leaves the history as the first one wrote it
  const history = recorded
    ? await writeHistoryLogged(historyEntry({ ...event, finishedAt, ...(report ? { reportKey: report } : {}) }, result, settings, ctx.returns), deps)
    : undefined;
  const r = riskAt(result);
  deps.logger.info('reduced', { recorded, var99: r.var, es99: r.es, shards, reportKey: report, historyKey: history });
  return { runId: event.runId, status: 'SUCCEEDED', recorded, var99: r.var, es99: r.es, ...(report ? { reportKey: report } : {}) };
}

/**
 * Renders the report (the histogram is the shards' own, `result.histogram`, when they produced one) and stores it.
 * A report that cannot be written never fails a run whose numbers are done: the run is SUCCEEDED without reportKey.
 */
async function writeReport(
  event: ReduceInput<ShardPartial>,
  result: ReturnType<typeof buildRunResult>,
  settings: FitContext['settings'],
  previous: PreviousRun | undefined,
  deps: Pick<Deps, 'bucket' | 'objects' | 'logger'>,
): Promise<string | undefined> {
  const key = reportKey(event.runId);
  return orWarn('report not written', deps, async () => {
    const subject = { portfolioId: event.portfolioId, runId: event.runId, input: event.input, createdAt: event.createdAt, settings, ...(previous ? { previous } : {}) };
    await deps.objects.putText(deps.bucket, key, renderReport(result, { subject }), 'text/html; charset=utf-8');
    return key;
  });
}

/** The portfolio's previous successful run for the report's change column; none when it cannot be read. */
async function findPrevious(event: ReduceInput<ShardPartial>, deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'logger'>): Promise<PreviousRun | undefined> {
  return orWarn('previous run not read', deps, async () => {
    const e = await previousEntry(event.portfolioId, event.runId, event.createdAt, deps);
    return e ? { runId: e.runId, createdAt: e.createdAt, window: e.window, risk: e.risk } : undefined;
  });
}

/** The history page is a view: failing to write it is logged, and the run stays SUCCEEDED. */
function writeHistoryLogged(entry: HistoryEntry, deps: Pick<Deps, 'bucket' | 'objects' | 'runs' | 'logger'>): Promise<string | undefined> {
  return orWarn('history not written', deps, () => writeHistory(entry, deps));
}

/** The views around a finished run (report, history, the previous run) never fail it: a failure is a warning. */
async function orWarn<T>(what: string, deps: Pick<Deps, 'logger'>, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (e) {
    deps.logger.warn(what, { error: (e as Error).message });
    return undefined;
  }
}

export const handler = middy(async (event: ReduceInput<ShardPartial>) => {
  logger.appendKeys({ runId: event.runId });
  return reduceStep(event, depsFromEnv());
}).use(injectLambdaContext(logger, { resetKeys: true }));
