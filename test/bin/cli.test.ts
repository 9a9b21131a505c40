import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handleError, loadReturns, runCli, settingsFromOptions, toJson } from '../../bin/cli/common.ts';
import { formatFit } from '../../bin/cli/format.ts';
import { parseSettings } from '../../lambdas/engine/config.ts';
import { readReturns } from '../../lambdas/engine/csv.ts';
import { fitModel } from '../../lambdas/engine/fit.ts';
import { InputError } from '../../lambdas/engine/types.ts';
import type { FitResult } from '../../lambdas/engine/types.ts';

const BAD = 'test/fixtures/bad/';

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/varstream.mjs', ...args], { maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}

// The child processes run concurrently once; each test reads its outcome.
const runs: Record<string, Promise<Outcome>> = {};
const IN_SAMPLE = ['data/tech11.csv', '--start', '2023-01-03', '--end', '2024-04-30'];
const badViaCli = ['not-a-number.csv', 'latin1.csv', 'constant-column.csv'];

beforeAll(() => {
  runs.json = cli('fit', ...IN_SAMPLE, '--json');
  runs.config = cli('fit', 'data/tech11.csv', '--config', BAD + 'bad-config.json');
  for (const f of badViaCli) runs[f] = cli('fit', BAD + f);
});

const FIT_KEYS = ['observations', 'window', 'portfolio', 'candidates', 'full', 'screening', 'selected', 'final', 'adequate', 'warnings', 'lasso'];

describe('varstream fit (child process)', () => {
  it('--json on the in-sample window: the source paper outcome, FitResult keys only, no residuals', async () => {
    const { status, stdout, stderr } = await runs.json;
    expect(stderr).toBe('');
    expect(status).toBe(0);
    const fit = JSON.parse(stdout) as FitResult;
    expect(Object.keys(fit).sort()).toEqual([...FIT_KEYS].sort());
    expect(fit.observations).toBe(333);
    expect(fit.window).toEqual({ start: '2023-01-03', end: '2024-04-30' });
    expect(fit.screening.steps.map((s) => `${s.factor}:${s.reason}`)).toEqual(['SPY:vif', 'IWF:vif', 'TLT:pValue', 'VIX:pValue']);
    expect(fit.screening.steps[0].value).toBeCloseTo(54.1, 1);
    expect(fit.screening.steps[1].value).toBeCloseTo(14.5, 1);
    expect(fit.selected).toEqual(['XLK', 'MTUM', 'VLUE']);
    expect(fit.final.r2).toBeCloseTo(0.89, 2);
    expect(fit.adequate).toBe(true);
    expect('residuals' in fit.full).toBe(false);
    expect('residuals' in fit.final).toBe(false);
  });

  it('prints a summary with both tables, every screening step and the LASSO verdict', async () => {
    // in-process (the same code path as the CLI without --json) to keep the child processes few
    const settings = parseSettings({ start: '2023-01-03', end: '2024-04-30' });
    const stdout = formatFit(fitModel(await loadReturns('data/tech11.csv', settings), settings), settings);
    for (const want of [
      /Full regression: 333 observations, 7 factors/,
      /1\. drop SPY\s+VIF 54\.1\d > 10/,
      /2\. drop IWF\s+VIF 14\.5\d > 10/,
      /3\. drop TLT\s+p-value 0\.\d+ > 0\.05/,
      /4\. drop VIX\s+p-value/,
      /Final regression: 333 observations, 3 factors/,
      /^XLK\s+1\.240\s/m,
      /Jarque-Bera .* Durbin-Watson .* Breusch-Pagan/,
      /Adequate: yes, R² 0\.8898 \(threshold 0\.8\)/,
      /CV-minimum alpha .* selects/,
      /1-SE alpha .* selects/,
      /verdict: /,
    ])
      expect(stdout).toMatch(want);
  });

  for (const f of badViaCli) {
    it(`${f}: exit 2, one stderr line FILE:LINE:COLUMN, nothing on stdout`, async () => {
      const want = JSON.parse(readFileSync(BAD + 'expected.json', 'utf8'))[f] as { at: string; message: string };
      const { status, stdout, stderr } = await runs[f];
      expect(status).toBe(2);
      expect(stdout).toBe('');
      const lines = stderr.split('\n').filter((l) => l !== '');
      expect(lines.length).toBe(1);
      expect(lines[0].startsWith(`${BAD}${f}:${want.at}: `)).toBe(true);
      expect(lines[0].slice(`${BAD}${f}:${want.at}: `.length)).toMatch(new RegExp(want.message));
    });
  }

  it('a bad --config file is reported at the config file', async () => {
    const { status, stdout, stderr } = await runs.config;
    expect([status, stdout, stderr]).toEqual([2, '', `${BAD}bad-config.json:1:1: unknown setting "vifThreshhold"\n`]);
  });
});

describe('fit-stage corpus files (refused by fitModel, not by the reader)', () => {
  const manifest = JSON.parse(readFileSync(BAD + 'expected.json', 'utf8')) as Record<string, { stage: string; at: string; message: string }>;
  for (const [name, want] of Object.entries(manifest).filter(([, w]) => w.stage === 'fit')) {
    it(`${name} → ${want.at} ${want.message}`, async () => {
      const settings = parseSettings({});
      const data = await readReturns(createReadStream(BAD + name), BAD + name, settings);
      let error: unknown;
      try {
        fitModel(data, settings);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      const e = error as InputError;
      expect(`${e.file}:${e.line}:${e.column}`).toBe(`${BAD}${name}:${want.at}`);
      expect(e.detail).toMatch(new RegExp(want.message));
    });
  }
});

describe('settingsFromOptions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'varstream-cli-'));
  const config = join(dir, 'c.json');
  writeFileSync(config, JSON.stringify({ vifThreshold: 5, retain: ['SPY'], simulations: 5000, start: '2023-01-03' }));

  it('uses defaults, then the config file, then explicit flags and extra on top', () => {
    expect(settingsFromOptions({}).vifThreshold).toBe(10);
    const fromConfig = settingsFromOptions({ config });
    expect([fromConfig.vifThreshold, fromConfig.retain, fromConfig.simulations, fromConfig.start]).toEqual([5, ['SPY'], 5000, '2023-01-03']);
    const s = settingsFromOptions(
      { config, vifThreshold: '7.5', retain: 'XLK, MTUM', factors: 'A,B', prices: true, log: true, end: '2024-04-30', portfolio: 'P' },
      { simulations: 200, seed: undefined },
    );
    expect([s.vifThreshold, s.retain, s.factors, s.prices, s.log, s.end, s.portfolio, s.simulations, s.seed]).toEqual([
      7.5, ['XLK', 'MTUM'], ['A', 'B'], true, true, '2024-04-30', 'P', 200, parseSettings({}).seed,
    ]);
    expect(s.start).toBe('2023-01-03');
  });

  it('refuses a non-number flag, a bad value and an unreadable config as InputErrors', () => {
    expect(() => settingsFromOptions({ pValueThreshold: 'x' })).toThrow(/--p-value-threshold: "x" is not a number/);
    expect(() => settingsFromOptions({ r2Threshold: '1.5' })).toThrow(/setting "r2Threshold"/);
    expect(() => settingsFromOptions({ start: '2024-02-01', end: '2024-01-01' })).toThrow(InputError);
    expect(() => settingsFromOptions({ config: join(dir, 'missing.json') })).toThrow(/missing\.json:1:1: cannot read config: ENOENT/);
    expect(() => settingsFromOptions({ config: BAD + 'bad-config-value.json' })).toThrow(/bad-config-value\.json:1:1: setting "pValueThreshold"/);
  });
});

describe('loadReturns', () => {
  it('reads the bundled sample in full: 935 returns, seven factors', async () => {
    const d = await loadReturns('data/tech11.csv', parseSettings({}));
    expect(d.dates.length).toBe(935);
    expect([d.dates[0], d.dates[934]]).toEqual(['2022-01-04', '2025-09-25']);
    expect(d.candidates).toEqual(['SPY', 'TLT', 'XLK', 'MTUM', 'VIX', 'VLUE', 'IWF']);
  });

  it('refuses a file above maxFileBytes and a missing file before reading', async () => {
    await expect(loadReturns('data/tech11.csv', parseSettings({ maxFileBytes: 1000 }))).rejects.toThrow(/^data\/tech11\.csv:1:1: file is \d+ bytes: more than maxFileBytes \(1000\)$/);
    await expect(loadReturns('nope.csv', parseSettings({}))).rejects.toThrow('nope.csv:1:1: cannot read: ENOENT');
  });
});

describe('error contract', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
  });

  function captureStderr(): string[] {
    const out: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    return out;
  }

  it('usage errors (unknown option or command, missing argument) exit 2; --help and --version exit 0', async () => {
    const [option, command, missing, help, version] = await Promise.all([cli('run', 'data/tech11.csv', '--bogus'), cli('nosuch'), cli('fit'), cli('--help'), cli('--version')]);
    for (const o of [option, command, missing]) {
      expect(o.status).toBe(2);
      expect(o.stderr).toMatch(/^error: /m);
    }
    expect(option.stderr).toMatch(/unknown option '--bogus'/);
    expect([help.status, version.status]).toEqual([0, 0]);
    expect(version.stdout.trim()).toBe('0.1.0');
  });

  it('InputError: one line, exit 2; --debug adds the stack', () => {
    let out = captureStderr();
    handleError(new InputError('f.csv', 3, 4, 'bad'));
    expect(out).toEqual(['f.csv:3:4: bad\n']);
    expect(process.exitCode).toBe(2);
    vi.restoreAllMocks();
    out = captureStderr();
    handleError(new InputError('f.csv', 3, 4, 'bad'), true);
    expect(out[0]).toBe('f.csv:3:4: bad\n');
    expect(out[1]).toMatch(/at /);
  });

  it('anything else: "varstream: internal error", exit 1', async () => {
    const out = captureStderr();
    await runCli(async () => {
      throw new TypeError('boom');
    })();
    expect(out).toEqual(['varstream: internal error: boom\n']);
    expect(process.exitCode).toBe(1);
  });

  it('toJson leaves residuals out and formatFit renders a FitResult', async () => {
    const settings = parseSettings({ start: '2023-01-03', end: '2024-04-30' });
    const fit = fitModel(await loadReturns('data/tech11.csv', settings), settings);
    const json = JSON.parse(toJson({ ...fit, full: { ...fit.full, residuals: [1, 2] } }));
    expect(json.full.residuals).toBeUndefined();
    expect(json.full.r2).toBe(fit.full.r2);
    expect(formatFit(fit)).toMatch(/^varstream fit: portfolio on 7 candidate factors, 333 observations 2023-01-03\.\.2024-04-30\n/);
  });
});
