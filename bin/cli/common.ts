// What every varstream command shares: the input flags, settings from a config file plus flags, loading a CSV, and
// the error contract (InputError → one `FILE:LINE:COLUMN: message` line on stderr, exit 2; anything else → exit 1).
import { createReadStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { makeDirectories } from '../../lambdas/adapters/directories.ts';
import type { Command } from 'commander';
import { parseSettings, parseSettingsJson } from '../../lambdas/engine/config.ts';
import type { Settings } from '../../lambdas/engine/config.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import type { ReturnsData } from '../../lambdas/engine/types.ts';

/** The file name used in errors about flags (there is no file: the flags are the input). */
export const COMMAND_LINE = 'command-line';

/** The raw values commander hands us for the input flags (undefined = not given, so a config file value stands). */
export interface InputOptions {
  portfolio?: string;
  factors?: string;
  prices?: boolean;
  log?: boolean;
  start?: string;
  end?: string;
  config?: string;
  vifThreshold?: string;
  pValueThreshold?: string;
  r2Threshold?: string;
  retain?: string;
  json?: boolean;
  debug?: boolean;
}

/** The simulation flags `run` and `backtest` share (raw strings, as commander hands them). */
export interface SimulationOptions extends InputOptions {
  simulations?: string;
  shards?: string;
  seed?: string;
  distribution?: string;
  df?: string;
  residual?: string;
  intercept?: boolean;
  confidence?: string;
  report?: string;
}

/** A subcommand that reads one returns CSV: the argument every command shares. */
export function csvCommand(program: Command, name: string, description: string): Command {
  return program.command(name).description(description).argument('<csv>', 'CSV with a date column, the portfolio column and candidate factor columns');
}

/** Adds the input flags shared by fit, run and backtest. No defaults here: defaults live in the settings schema. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option('--portfolio <name>', 'portfolio column (default "portfolio")')
    .option('--factors <list>', 'comma-separated candidate factors, in this order (default: every other column)')
    .option('--prices', 'columns are price levels: convert to returns first')
    .option('--log', 'with --prices: log returns instead of simple returns')
    .option('--start <date>', 'first date of the window (YYYY-MM-DD, inclusive)')
    .option('--end <date>', 'last date of the window (YYYY-MM-DD, inclusive)')
    .option('--config <file>', 'JSON settings file; flags override its values')
    .option('--vif-threshold <x>', 'drop the worst factor while its VIF is above x (default 10)')
    .option('--p-value-threshold <x>', 'drop the worst factor while its p-value is above x (default 0.05)')
    .option('--r2-threshold <x>', 'the final model is adequate when R² ≥ x (default 0.8)')
    .option('--retain <list>', 'comma-separated factors exempt from screening')
    .option('--json', 'print the result as JSON on stdout, nothing else')
    .option('--debug', 'show stack traces');
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** A numeric flag: a typo is an InputError naming the flag, not a silent NaN. */
export function numberFlag(value: string | number, flag: string): number {
  if (typeof value === 'number') return value;
  const v = Number(value.trim());
  if (value.trim() === '' || !Number.isFinite(v)) throw new InputError(COMMAND_LINE, 1, 1, `${flag}: ${JSON.stringify(value)} is not a number`);
  return v;
}

/** `--confidence 0.99,0.95` → [0.99, 0.95]; undefined when the flag is not given. */
export function confidenceFlag(value: string | undefined): number[] | undefined {
  return value === undefined ? undefined : value.split(',').map((s) => numberFlag(s, '--confidence'));
}

/** The model flags backtest and its model comparison share, as settings keys (only flags actually given count). */
export function modelFlags(opts: SimulationOptions): Record<string, unknown> {
  return {
    df: opts.df === undefined ? undefined : numberFlag(opts.df, '--df'),
    residual: opts.residual,
    intercept: opts.intercept,
    confidence: confidenceFlag(opts.confidence),
  };
}

/** The settings keys the input flags map to (only flags actually given). */
export function inputFlags(opts: InputOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (opts.portfolio !== undefined) out.portfolio = opts.portfolio;
  if (opts.factors !== undefined) out.factors = list(opts.factors);
  if (opts.prices !== undefined) out.prices = opts.prices;
  if (opts.log !== undefined) out.log = opts.log;
  if (opts.start !== undefined) out.start = opts.start;
  if (opts.end !== undefined) out.end = opts.end;
  if (opts.vifThreshold !== undefined) out.vifThreshold = numberFlag(opts.vifThreshold, '--vif-threshold');
  if (opts.pValueThreshold !== undefined) out.pValueThreshold = numberFlag(opts.pValueThreshold, '--p-value-threshold');
  if (opts.r2Threshold !== undefined) out.r2Threshold = numberFlag(opts.r2Threshold, '--r2-threshold');
  if (opts.retain !== undefined) out.retain = list(opts.retain);
  return out;
}

/**
 * Settings from `--config FILE.json` (validated on its own, so its errors name the file), then the explicit flags and
 * `extra` (settings keys from other commands' flags; undefined values are ignored) on top, validated again.
 */
export function settingsFromOptions(opts: InputOptions, extra: Record<string, unknown> = {}): Settings {
  return settingsAndSource(opts, extra).settings;
}

/** settingsFromOptions, and where the settings came from: the config file alone, or the command line over it. */
export function settingsAndSource(opts: InputOptions, extra: Record<string, unknown> = {}): { settings: Settings; source: string } {
  let base: Record<string, unknown> = {};
  if (opts.config !== undefined) {
    let text: string;
    try {
      text = readFileSync(opts.config, 'utf8');
    } catch (e) {
      throw new InputError(opts.config, 1, 1, `cannot read config: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    parseSettingsJson(text, opts.config); // the config alone must be valid: its errors point at the file
    base = JSON.parse(text) as Record<string, unknown>;
  }
  const overrides = { ...inputFlags(opts) };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) overrides[k] = v;
  const source = opts.config !== undefined && Object.keys(overrides).length === 0 ? opts.config : COMMAND_LINE;
  return { settings: parseSettings({ ...base, ...overrides }, source), source };
}

/** The file name the engine gives a setting it refuses once it has seen the data (it cannot know the setting's source). */
const ENGINE_SETTINGS = 'settings';

/**
 * Runs `fn`, re-pointing a setting the engine refuses after reading the data (a `lookback` longer than the history,
 * too many scenario numbers) at `source`, the config file or the command line, so the CLI's line names a real input.
 */
export async function withSettingsSource<T>(source: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof InputError && e.file === ENGINE_SETTINGS) throw new InputError(source, e.line, e.column, e.detail, { cause: e });
    throw e;
  }
}

/** Reads a returns CSV from disk: refuses a missing or too-large file, then streams it through readReturns. */
export async function loadReturns(path: string, settings: Settings): Promise<ReturnsData> {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new InputError(path, 1, 1, 'not a file');
    size = st.size;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, 1, 1, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size > settings.maxFileBytes) throw new InputError(path, 1, 1, `file is ${size} bytes: more than maxFileBytes (${settings.maxFileBytes})`);
  const stream = createReadStream(path);
  try {
    return await readReturns(stream, path, settings);
  } finally {
    stream.destroy();
  }
}

/** JSON for stdout: residual series are left out (they are long and only report/backtest use them). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (key, v) => (key === 'residuals' ? undefined : v), 2) + '\n';
}

/**
 * Writes an HTML report (creating its folder) and says where on stderr (stdout may be --json); an unwritable path is
 * the user's input problem (exit 2).
 */
export function writeReport(path: string, html: string): void {
  try {
    makeDirectories(dirname(path));
    writeFileSync(path, html);
  } catch (e) {
    throw new InputError(path, 1, 1, `cannot write the report: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  process.stderr.write(`report: ${resolve(path)}\n`);
}

/** Prints an error by the CLI contract and sets the exit status (2 for input problems, 1 for bugs). */
export function handleError(e: unknown, debug = false): void {
  if (e instanceof InputError) {
    process.stderr.write(`${e.message}\n`);
    if (debug && e.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 2;
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  process.stderr.write(`varstream: internal error: ${message}\n`);
  if (debug && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}

/** Wraps a commander action: errors go through handleError (`--debug` anywhere on the command line shows stacks). */
export function runCli<A extends unknown[]>(fn: (...args: A) => Promise<void> | void): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await fn(...args);
    } catch (e) {
      handleError(e, process.argv.includes('--debug'));
    }
  };
}
