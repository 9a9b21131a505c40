// The only DynamoDB code: one item per run. The RunResult travels as a JSON string attribute `result` so every number
// survives to the last digit (DynamoDB numbers hold 38 digits but not 1e-300, NaN or the exact double text), plus
// top-level queryable attributes (status, portfolioId, createdAt, finishedAt, input, error, var99, es99).
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BlobStore, RunRecord, RunResult, RunStatus } from '../engine/types.ts';
import { z } from 'zod';
import { StoredDataError } from '../contracts/errors.ts';
import { runRefSchema } from '../contracts/run.ts';
import { RUNS_TABLE } from '../contracts/tables.ts';
import { makeDocumentClient } from './clients.ts';

/** CreateTable input for dynalite/DynamoDB Local (the CDK builds the same from RUNS_TABLE). */
export function createRunsTableInput(tableName: string) {
  const g = RUNS_TABLE.byPortfolio;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST' as const,
    AttributeDefinitions: RUNS_TABLE.attributeDefinitions.map((a) => ({ AttributeName: a.name, AttributeType: a.type })),
    KeySchema: [{ AttributeName: RUNS_TABLE.partitionKey.name, KeyType: 'HASH' as const }],
    GlobalSecondaryIndexes: [
      {
        IndexName: g.indexName,
        KeySchema: [
          { AttributeName: g.partitionKey.name, KeyType: 'HASH' as const },
          { AttributeName: g.sortKey.name, KeyType: 'RANGE' as const },
        ],
        Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...g.nonKeyAttributes] },
      },
    ],
  };
}

/** What the list endpoint returns per run. */
export interface RunSummary {
  runId: string;
  portfolioId: string;
  status: RunStatus;
  createdAt: string;
  finishedAt?: string;
  input: RunRecord['input'];
  error?: string;
  var99?: number;
  es99?: number;
  simulations?: number;
  reportKey?: string;
}

export interface RunStore {
  /** Conditional put: an existing runId is never overwritten; `created` false returns the stored record. */
  create(record: RunRecord): Promise<{ created: boolean; record: RunRecord }>;
  /** RUNNING → SUCCEEDED once; false when the run was already terminal (a re-run of the reducer changes nothing). */
  succeed(runId: string, result: RunResult, extra?: { reportKey?: string; finishedAt?: string }): Promise<boolean>;
  /**
   * RUNNING (or absent) → FAILED; false when already terminal. `seed` fills identity when the run failed before it
   * was created (e.g. the CSV was refused before Fit wrote RUNNING).
   */
  fail(runId: string, error: string, seed?: Pick<RunRecord, 'portfolioId' | 'input' | 'createdAt'>): Promise<boolean>;
  get(runId: string): Promise<RunRecord | undefined>;
  /** newest first */
  listByPortfolio(portfolioId: string, limit?: number): Promise<RunSummary[]>;
}

/** Where a run JSON too large for its item is kept (the API hands it out by presigned URL when it is over 5 MB). */
export const resultKey = (runId: string): string => `results/${runId}.json`;

// DynamoDB items are at most 400 KB; leave room for the other attributes.
const INLINE_LIMIT = 300 * 1024;

/** The 99% VaR/ES of a result, for the queryable top-level attributes (risk is keyed by String(confidence)). */
export function riskAt(result: Partial<RunResult>, level = 0.99): { var?: number; es?: number } {
  const r = result.risk?.[String(level)];
  return r ? { var: r.var, es: r.es } : {};
}

function finite(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) ? x : undefined;
}

/**
 * A run's item as read back: the identity, then the result inline (`result`, JSON text) or in the overflow store
 * (`resultRef`), never both (none before SUCCEEDED). Other attributes (var99, simulations, …) pass through.
 */
const runItemSchema = z
  .looseObject({
    ...runRefSchema.shape,
    status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED'] satisfies RunStatus[]),
    finishedAt: z.string().optional(),
    settings: z.string().optional(),
    error: z.string().optional(),
    reportKey: z.string().optional(),
  })
  .and(z.union([z.looseObject({ result: z.string().optional(), resultRef: z.never().optional() }), z.looseObject({ resultRef: z.string(), result: z.never().optional() })]));

export class DynamoRunStore implements RunStore {
  constructor(
    readonly tableName: string,
    readonly client: DynamoDBDocumentClient = makeDocumentClient(),
    /** where results too large for an item go (s3 `results/<runId>.json`); without it such a result is refused */
    readonly overflow?: BlobStore,
  ) {}

  async create(record: RunRecord): Promise<{ created: boolean; record: RunRecord }> {
    const item = this.toItem(record);
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(runId)' }),
      );
      return { created: true, record: (await this.fromItem(item))! };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException) && (e as Error).name !== 'ConditionalCheckFailedException') throw e;
      const existing = await this.get(record.runId);
      return { created: false, record: existing! };
    }
  }

  async succeed(runId: string, result: RunResult, extra: { reportKey?: string; finishedAt?: string } = {}): Promise<boolean> {
    const risk = riskAt(result);
    const stored = await this.encodeResult(runId, result);
    const values: Record<string, unknown> = {
      ':succeeded': 'SUCCEEDED',
      ':running': 'RUNNING',
      ':finishedAt': extra.finishedAt ?? new Date().toISOString(),
      ':simulations': result.simulation?.simulations,
      ...stored.values,
    };
    const sets = ['#status = :succeeded', 'finishedAt = :finishedAt', 'simulations = :simulations', ...stored.sets];
    const set = (attribute: string, value: unknown) => {
      sets.push(`${attribute} = :${attribute}`);
      values[`:${attribute}`] = value;
    };
    if (finite(risk.var) !== undefined) set('var99', risk.var);
    if (finite(risk.es) !== undefined) set('es99', risk.es);
    if (extra.reportKey) set('reportKey', extra.reportKey);
    return this.conditionalUpdate(runId, sets, '#status = :running', { '#status': 'status', ...(stored.sets[0].startsWith('#result') ? { '#result': 'result' } : {}) }, values);
  }

  async fail(runId: string, error: string, seed?: Pick<RunRecord, 'portfolioId' | 'input' | 'createdAt'>): Promise<boolean> {
    const now = new Date().toISOString();
    const sets = ['#status = :failed', '#error = :error', 'finishedAt = :finishedAt'];
    const values: Record<string, unknown> = { ':failed': 'FAILED', ':running': 'RUNNING', ':error': error.slice(0, 4000), ':finishedAt': now };
    if (seed) {
      sets.push('portfolioId = if_not_exists(portfolioId, :portfolioId)', 'createdAt = if_not_exists(createdAt, :createdAt)', '#input = if_not_exists(#input, :input)');
      values[':portfolioId'] = seed.portfolioId;
      values[':createdAt'] = seed.createdAt ?? now;
      values[':input'] = seed.input;
    }
    // without a seed, a run that was never created stays absent (an orphan FAILED row would have no portfolio)
    const condition = seed ? 'attribute_not_exists(runId) OR #status = :running' : '#status = :running';
    return this.conditionalUpdate(runId, sets, condition, { '#status': 'status', '#error': 'error', ...(seed ? { '#input': 'input' } : {}) }, values);
  }

  async get(runId: string): Promise<RunRecord | undefined> {
    const out = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { runId }, ConsistentRead: true }));
    return out.Item ? this.fromItem(out.Item) : undefined;
  }

  /** The runIds of every RUNNING run (a full Scan: the local stack's start-up recovery only; no AWS role may Scan). */
  async runningRunIds(): Promise<string[]> {
    const ids: string[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          FilterExpression: '#status = :running',
          ProjectionExpression: 'runId',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':running': 'RUNNING' },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) ids.push(item.runId as string);
      start = out.LastEvaluatedKey;
    } while (start);
    return ids;
  }

  async listByPortfolio(portfolioId: string, limit = 20): Promise<RunSummary[]> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: RUNS_TABLE.byPortfolio.indexName,
        KeyConditionExpression: 'portfolioId = :p',
        ExpressionAttributeValues: { ':p': portfolioId },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map((i) => {
      const s: RunSummary = {
        runId: i.runId,
        portfolioId: i.portfolioId,
        status: i.status,
        createdAt: i.createdAt,
        input: i.input,
      };
      // the attributes the index projects (contracts/tables.ts): the summary is exactly what the list view can read
      for (const k of RUNS_TABLE.byPortfolio.nonKeyAttributes) {
        if (i[k] !== undefined) (s as unknown as Record<string, unknown>)[k] = i[k];
      }
      return s;
    });
  }

  /** `SET sets` on the run's item if `condition` holds; false when it does not (the run had moved on). */
  private async conditionalUpdate(runId: string, sets: string[], condition: string, names: Record<string, string>, values: Record<string, unknown>): Promise<boolean> {
    const input = { TableName: this.tableName, Key: { runId }, UpdateExpression: `SET ${sets.join(', ')}`, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values };
    try {
      await this.client.send(new UpdateCommand(input));
      return true;
    } catch (e) {
      if ((e as Error).name === 'ConditionalCheckFailedException') return false;
      throw e;
    }
  }

  private async encodeResult(runId: string, result: RunResult): Promise<{ sets: string[]; values: Record<string, unknown> }> {
    const json = JSON.stringify(result);
    if (Buffer.byteLength(json) <= INLINE_LIMIT) return { sets: ['#result = :result'], values: { ':result': json } };
    if (this.overflow) {
      const ref = await this.overflow.put(resultKey(runId), new TextEncoder().encode(json));
      return { sets: ['resultRef = :ref'], values: { ':ref': ref } };
    }
    throw new Error(`run ${runId}: result is ${Buffer.byteLength(json)} bytes, over the item's ${INLINE_LIMIT}; configure an overflow store`);
  }

  private toItem(record: RunRecord): Record<string, unknown> {
    const { runId, portfolioId, status, createdAt, finishedAt, input, settings, error, reportKey } = record;
    const item: Record<string, unknown> = { runId, portfolioId, status, createdAt, input: stripUndefined(input) };
    if (finishedAt) item.finishedAt = finishedAt;
    // settings are user numbers: keep them as exact JSON text too
    if (settings) item.settings = JSON.stringify(settings);
    if (error) item.error = error;
    if (reportKey) item.reportKey = reportKey;
    return item;
  }

  private async fromItem(stored: Record<string, unknown>): Promise<RunRecord> {
    const parsed = runItemSchema.safeParse(stored);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StoredDataError(String(stored.runId), `run ${String(stored.runId)}: stored item: ${issue.path.join('.') || 'item'}: ${issue.message}`);
    }
    const item = parsed.data;
    let result: Partial<RunResult> = {};
    if (typeof item.result === 'string') result = JSON.parse(item.result);
    else if (item.resultRef && this.overflow) result = JSON.parse(new TextDecoder().decode(await this.overflow.get(item.resultRef)));
    const record: RunRecord = {
      ...result,
      runId: item.runId,
      portfolioId: item.portfolioId,
      status: item.status,
      createdAt: item.createdAt,
      input: item.input,
    };
    if (item.finishedAt) record.finishedAt = item.finishedAt;
    if (typeof item.settings === 'string') record.settings = JSON.parse(item.settings);
    if (item.error) record.error = item.error;
    if (item.reportKey) record.reportKey = item.reportKey;
    return record;
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
