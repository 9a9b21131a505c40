// The EventBridge schedule on a laptop: the same `cron(...)`/`rate(...)` expression as cdk.json's `scheduleCron`,
// evaluated by croner in UTC (EventBridge schedules are UTC).
import { readFileSync } from 'node:fs';
import { Cron } from 'croner';
import { ConfigError } from '../contracts/errors.ts';

export interface CronerSchedule {
  pattern: string;
  options: { timezone: 'UTC'; alternativeWeekdays: boolean };
}

/** The setting the expression comes from (cdk.json's context, or the stack's option): what a refusal names. */
const SETTING = 'scheduleCron';

const refuse = (expression: string, why: string, cause?: unknown) => new ConfigError(SETTING, `${SETTING} "${expression}": ${why}`, { cause });

/**
 * `cron(min hour day-of-month month day-of-week year)` → croner's 7-part pattern (seconds first). EventBridge numbers
 * weekdays 1 = SUN … 7 = SAT (croner's Quartz mode) and writes `?` for "no specific value" (croner reads `?` as
 * "now", so it becomes `*`). `rate(n minutes|hours|days)` becomes the equivalent cron. A malformed expression, or a
 * field croner refuses, is a ConfigError naming `scheduleCron`.
 */
export function toCroner(expression: string): CronerSchedule {
  const options = { timezone: 'UTC' as const, alternativeWeekdays: true };
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) {
    const fields = cron[1].trim().split(/\s+/);
    if (fields.length !== 6) throw refuse(expression, `cron() needs 6 fields, got ${fields.length}`);
    const pattern = ['0', ...fields.map((f) => (f === '?' ? '*' : f))].join(' ');
    try {
      new Cron(pattern, { ...options, paused: true }).stop();
    } catch (e) {
      throw refuse(expression, (e as Error).message, e);
    }
    return { pattern, options };
  }
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    if (n < 1) throw refuse(expression, 'rate must be at least 1');
    const every = (x: number) => (x === 1 ? '*' : `*/${x}`);
    const unit = rate[2].replace(/s$/, '');
    const pattern = unit === 'minute' ? `0 ${every(n)} * * * * *` : unit === 'hour' ? `0 0 ${every(n)} * * * *` : `0 0 0 ${every(n)} * * *`;
    return { pattern, options };
  }
  throw refuse(expression, 'expected cron(...) or rate(...)');
}

/** Starts a job on the EventBridge expression; `unref` so a schedule alone never keeps the process alive. */
export function startSchedule(expression: string, fire: (scheduledTime: Date) => void): Cron {
  const { pattern, options } = toCroner(expression);
  return new Cron(pattern, { ...options, unref: true, catch: true, protect: true }, (job: Cron) => {
    fire(job.currentRun() ?? new Date());
  });
}

/** The settings the CDK app reads from cdk.json's context (scheduleCron, portfolios, …); `raw` is the whole context. */
export function readCdkContext(path = new URL('../../cdk.json', import.meta.url)): { scheduleCron?: string; portfolios: string[]; inlineShardLimit?: number; raw: Record<string, unknown> } {
  try {
    const context = (JSON.parse(readFileSync(path, 'utf-8')) as { context?: Record<string, unknown> }).context ?? {};
    const p = context.portfolios;
    const portfolios = Array.isArray(p) ? p.map(String) : typeof p === 'string' ? p.split(',').map((s) => s.trim()).filter(Boolean) : [];
    const limit = Number(context.inlineShardLimit);
    return {
      raw: context,
      scheduleCron: typeof context.scheduleCron === 'string' ? context.scheduleCron : undefined,
      portfolios,
      ...(Number.isInteger(limit) && limit > 0 ? { inlineShardLimit: limit } : {}),
    };
  } catch {
    return { portfolios: [], raw: {} };
  }
}
