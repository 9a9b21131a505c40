// `varstream run` as a user runs it: --json keys, --report written as self-contained HTML, and a report path that
// cannot be written is an input error (exit 2, one line) — never a hang.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/varstream.mjs', ...args], { maxBuffer: 1 << 24, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const IN_SAMPLE = ['data/tech11.csv', '--start', '2023-01-03', '--end', '2024-04-30'];

describe('varstream run (child process)', () => {
  it('--json --report: the run JSON on stdout and the HTML report with its charts on disk', async () => {
    const report = join(mkdtempSync(join(tmpdir(), 'varstream-run-')), 'nested', 'report.html');
    const { status, stdout, stderr } = await cli('run', ...IN_SAMPLE, '--json', '--report', report, '--shock', 'VIX=0.5');
    expect(stderr).toBe(`report: ${report}\n`);
    expect(status).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.selected).toEqual(['XLK', 'MTUM', 'VLUE']);
    expect(Object.keys(run.risk)).toEqual(['0.99', '0.975', '0.95']);
    expect('residuals' in run.final).toBe(false);
    // a VIX spike with XLK, MTUM, VLUE moved by their conditional expectation: equities fall
    expect(run.stress[0].direct).toBe(0);
    expect(run.stress[0].conditional).toBeLessThan(-0.01);
    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!doctype html>') || html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    expect(html).toContain(`${(run.risk['0.99'].var * 100).toFixed(2)}%`);
  });

  it('--model hs: the exact enumeration of the 250 scenario days (the reference forecast), no Monte Carlo; a too-long --lookback exits 2', async () => {
    const fx = JSON.parse(readFileSync('test/fixtures/models/tech11.json', 'utf8'));
    const { status, stdout } = await cli('run', ...IN_SAMPLE, '--model', 'hs', '--json');
    expect(status).toBe(0);
    const run = JSON.parse(stdout);
    expect(run.simulation).toMatchObject({ model: 'hs', exact: true, lookback: 250, simulations: 250 });
    for (const k of ['0.99', '0.975', '0.95']) {
      // fixture day 0 (scripts/make_model_fixtures.py) is the day after the window
      expect(Math.abs(run.risk[k].var / fx.models.hs.var[k][0] - 1)).toBeLessThan(1e-9);
      expect(Math.abs(run.risk[k].es / fx.models.hs.es[k][0] - 1)).toBeLessThan(1e-9);
    }
    const text = await cli('run', ...IN_SAMPLE, '--model', 'hs');
    expect(text.stdout).toContain('simulation: none, the exact enumeration of the 250 scenario days');
    const long = await cli('run', ...IN_SAMPLE, '--model', 'hs', '--lookback', '5000');
    expect(long.status).toBe(2);
    expect(long.stderr.trim()).toMatch(/^[^\n]+:1:1: setting "lookback": 5000 days is longer than the \d+ days of history/);
  });

  it('an unwritable report path exits 2 with one FILE:LINE:COLUMN line', async () => {
    const { status, stdout, stderr } = await cli('run', ...IN_SAMPLE, '--report', '/proc/varstream/report.html');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(/^\/proc\/varstream\/report\.html:1:1: cannot write the report: E[A-Z]+$/);
  });
});
