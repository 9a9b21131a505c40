// The JSON passed between the pipeline's steps (Step Functions state, or the in-process local pipeline).
import type { RunRef } from '../contracts/run.ts';
import type { ShardDescriptor, ShardPartial } from '../engine/types.ts';
import type { RunStore } from '../adapters/run-store.ts';

/** What starts a run (Trigger/API → Fit). Also what Fail needs to record a run that never reached RUNNING. */
export interface RunInput extends RunRef {
  /** request settings (POST /runs), merged over config/<portfolioId>.json */
  settings?: Record<string, unknown>;
  /** why the run exists */
  origin?: 'upload' | 'api' | 'schedule';
}

/**
 * The one place a run becomes RUNNING (conditional: a runId is created once). POST /runs calls it before it starts the
 * execution, so GET answers at once; Fit calls it for uploads and schedule ticks (and finds the API's record).
 */
export function recordRunning(run: RunInput, runs: Pick<RunStore, 'create'>): ReturnType<RunStore['create']> {
  const { runId, portfolioId, createdAt, input, settings } = run;
  return runs.create({ runId, portfolioId, status: 'RUNNING', createdAt, input, ...(settings ? { settings } : {}) });
}

/** Fit → Map → Reduce. Small runs carry `descriptors` inline; large ones `descriptorsKey` (an S3 JSON array). */
export interface FitOutput extends RunRef {
  shardCount: number;
  descriptors?: ShardDescriptor[];
  descriptorsKey?: string;
  /** S3 key of the fit, model and settings Reduce needs (too large for the 256 KB state) */
  context: string;
}

/** One Map item. `persist` (Distributed Map) writes the partial to S3 instead of returning it. */
export interface SimulateInput {
  descriptor: ShardDescriptor;
  persist?: boolean;
}

export interface ReduceInput extends RunRef {
  shardCount: number;
  context: string;
  /** inline Map results; absent after a Distributed Map (then read from partials/<runId>/<shard>.json) */
  partials?: ShardPartial[];
}

/** The Catch target's input: the state plus `error` = {Error, Cause}. */
export interface FailInput extends Pick<RunRef, 'runId'>, Partial<Omit<RunRef, 'runId'>> {
  error: { Error?: string; Cause?: string };
}

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
