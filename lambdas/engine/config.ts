// One settings schema for every entry point: CLI flags, `--config FILE.json`, config/<portfolioId>.json in the bucket,
// and the body of POST /runs. Unknown keys are refused so a typo never silently falls back to a default.
import { z } from 'zod';
import { InputError } from './types.ts';
import { DEFAULT_LAMBDA, MAX_SCENARIO_NUMBERS, MODEL_NAMES } from './models/types.ts';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected an ISO date YYYY-MM-DD')
  .refine((s) => isRealDate(s), 'not a calendar date');

export const DEFAULT_SEED = 20240430;

export const settingsSchema = z
  .object({
    // input
    portfolio: z.string().min(1).default('portfolio'),
    factors: z.array(z.string().min(1)).min(1).optional(),
    prices: z.boolean().default(false),
    log: z.boolean().default(false),
    start: isoDate.optional(),
    end: isoDate.optional(),
    maxFileBytes: z.number().int().positive().default(100 * 1024 * 1024),
    // screening
    vifThreshold: z.number().positive().default(10),
    pValueThreshold: z.number().gt(0).lt(1).default(0.05),
    r2Threshold: z.number().min(0).max(1).default(0.8),
    retain: z.array(z.string().min(1)).default([]),
    // LASSO confirmation
    lassoAlphas: z.number().int().min(2).max(1000).default(100),
    lassoEps: z.number().gt(0).lt(1).default(1e-3),
    lassoFolds: z.number().int().min(2).max(50).default(5),
    // simulation
    simulations: z.number().int().min(100).max(1e9).default(10_000),
    shards: z.number().int().min(1).max(10_000).default(1),
    seed: z.number().int().min(0).max(2 ** 53 - 1).default(DEFAULT_SEED),
    // risk model (README "Models"): normal is the paper's static model; the others describe tomorrow's return from
    // the whole history (lambda: EWMA decay; lookback: hs/fhs scenario days; df: fitted by ML when absent)
    model: z.enum(MODEL_NAMES).default('normal'),
    lambda: z.number().gt(0).lt(1).default(DEFAULT_LAMBDA),
    lookback: z.number().int().min(20).max(MAX_SCENARIO_NUMBERS, `at most ${MAX_SCENARIO_NUMBERS} days: a shard carries at most ${MAX_SCENARIO_NUMBERS} scenario numbers (lookback × (factors + 1))`).optional(),
    // bootstrap replicates of the VaR interval from re-fitting on resampled fit windows (0 = none)
    bootstrap: z.number().int().min(0).max(10_000).default(0),
    distribution: z.enum(['normal', 't']).default('normal'),
    df: z.number().gt(2).max(1e6).optional(),
    residual: z.enum(['none', 'normal']).default('none'),
    intercept: z.boolean().default(false),
    horizon: z.number().int().min(1).max(250).default(1),
    value: z.number().positive().optional(),
    /** ISO 4217 code the report heads its money columns with ("VaR (USD)") */
    currency: z.string().regex(/^[A-Z]{3}$/, 'expected a 3-letter currency code such as USD').optional(),
    confidence: z.array(z.number().gt(0.5).lt(1)).min(1).max(10).default([0.99, 0.975, 0.95]),
    shocks: z.array(z.record(z.string(), z.number().gt(-10).lt(10))).default([]),
    // model comparison (README "Model comparison"): the window's last `days` days, every model forecast from the days before
    backtest: z.object({ days: z.number().int().min(20).max(5000).default(250), models: z.array(z.enum(MODEL_NAMES)).min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.start && s.end && s.start > s.end) ctx.addIssue({ code: 'custom', path: ['end'], message: 'end is before start' });
    if (s.model !== 'normal' && s.distribution !== 'normal') {
      ctx.addIssue({ code: 'custom', path: ['distribution'], message: `applies to model "normal" only (model "${s.model}" has its own distribution; for fat tails use model "t")` });
    }
    if (s.lookback !== undefined && s.model !== 'hs' && s.model !== 'fhs') {
      ctx.addIssue({ code: 'custom', path: ['lookback'], message: `applies to models "hs" and "fhs" only, not "${s.model}"` });
    }
    if (s.distribution === 't' && s.df === undefined) ctx.addIssue({ code: 'custom', path: ['df'], message: 'distribution t needs df > 2' });
  });

export type Settings = z.output<typeof settingsSchema>;

/** Validates raw settings; a bad key or value becomes an InputError naming the key. */
export function parseSettings(raw: unknown, file = 'settings'): Settings {
  const result = settingsSchema.safeParse(raw ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  let key = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') key = issue.keys.join(', ');
  const what = issue.code === 'unrecognized_keys' ? `unknown setting "${key}"` : `setting "${key}": ${issue.message}`;
  throw new InputError(file, 1, 1, what);
}

/** Parses the text of a JSON config file into Settings, naming the file on any error. */
export function parseSettingsJson(text: string, file: string, overrides: Record<string, unknown> = {}): Settings {
  // editors on Windows save UTF-8 with a byte-order mark; JSON.parse refuses it
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    const m = /position (\d+)/.exec(String((e as Error).message));
    const { line, column } = m ? lineColumn(text, Number(m[1])) : { line: 1, column: 1 };
    throw new InputError(file, line, column, 'config is not valid JSON');
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(file, 1, 1, 'config must be a JSON object');
  return parseSettings({ ...(raw as object), ...overrides }, file);
}

export function isRealDate(s: string): boolean {
  const [y, m, d] = s.split('-').map(Number);
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function lineColumn(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
