// `varstream run` as a user runs it: --json keys, --report written as self-contained HTML, and a report path that
// cannot be written is an input error (exit 2, one line) — never a hang.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_NAMES } from '../../lambdas/engine/models/types.ts';

function cli(...args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/varstream.mjs', ...args], { maxBuffer: 1 << 24, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

const IN_SAMPLE = ['data/tech11.csv', '--start', '2023-01-03', '--end', '2024-04-30'];

/** n business days of three independent factors and a portfolio on them (fixed seed): every factor survives screening. */
function syntheticCsv(n: number): string {
  let a = 12345;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const lines = ['date,portfolio,A,B,C'];
  const day = new Date('2010-01-04T00:00:00Z');
  for (let i = 0; i < n; i++) {
    while (day.getUTCDay() === 0 || day.getUTCDay() === 6) day.setUTCDate(day.getUTCDate() + 1);
    const f = [normal() * 0.01, normal() * 0.01, normal() * 0.01];
    const y = 0.9 * f[0] + 0.5 * f[1] + 0.3 * f[2] + 0.002 * normal();
    lines.push([day.toISOString().slice(0, 10), y, ...f].map((v) => (typeof v === 'number' ? v.toFixed(8) : v)).join(','));
    day.setUTCDate(day.getUTCDate() + 1);
  }
  return lines.join('\n') + '\n';
}

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
    expect(long.stderr).toBe('command-line:1:1: setting "lookback": 5000 days is longer than the 583 days of history before the day after 2024-04-30\n');
  });

  it('a bad hs/fhs lookback exits 2 with one line naming lookback and where it was set: the history, the scenario cap, the schema', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'varstream-lookback-'));
    // from a config file: the line names the file
    const config = join(dir, 'fhs.json');
    writeFileSync(config, JSON.stringify({ start: '2023-01-03', end: '2024-04-30', model: 'fhs', lookback: 5000 }));
    const fromConfig = await cli('run', 'data/tech11.csv', '--config', config);
    expect(fromConfig.status).toBe(2);
    const [where, message] = [fromConfig.stderr.slice(0, config.length + 5), fromConfig.stderr.slice(config.length + 6)];
    expect(where).toBe(`${config}:1:1:`);
    expect(message).toMatch(/^setting "lookback": 5000 days is longer than the \d+ days of history with an EWMA volatility before the day after 2024-04-30\n$/);
    // over the scenario numbers a shard carries: 2,200 synthetic days on three factors (+ the residual) allow 2,000
    const csv = join(dir, 'long.csv');
    writeFileSync(csv, syntheticCsv(2200));
    const over = await cli('run', csv, '--model', 'hs', '--lookback', '2001');
    expect(over.status).toBe(2);
    expect(over.stderr).toBe('command-line:1:1: setting "lookback": 2001 days × 4 columns (the factors and the residual) exceed the 8000 scenario numbers a shard carries; at most 2000 days with these factors\n');
    const atCap = await cli('run', csv, '--model', 'hs', '--lookback', '2000', '--json');
    expect(atCap.status).toBe(0);
    expect(JSON.parse(atCap.stdout).simulation).toMatchObject({ model: 'hs', lookback: 2000, simulations: 2000, exact: true });
    // beyond any run (the residual alone): refused by the settings schema before the file is read
    const schema = await cli('run', 'missing.csv', '--model', 'hs', '--lookback', '8001');
    expect(schema.status).toBe(2);
    expect(schema.stderr).toBe('command-line:1:1: setting "lookback": at most 8000 days: a shard carries at most 8000 scenario numbers (lookback × (factors + 1))\n');
  });

  it('--help and the README\'s CLI table name every model, in one order', async () => {
    const help = await cli('run', '--help');
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(`risk model: ${MODEL_NAMES.join(', ')} (default normal`);
    const row = readFileSync('README.md', 'utf8').split('\n').find((l) => l.startsWith('| `run` |'))!;
    expect(row).toContain(`\`--model M\` (${MODEL_NAMES.join(', ')};`);
  });

  it('an unwritable report path exits 2 with one FILE:LINE:COLUMN line', async () => {
    const { status, stdout, stderr } = await cli('run', ...IN_SAMPLE, '--report', '/proc/varstream/report.html');
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim()).toMatch(/^\/proc\/varstream\/report\.html:1:1: cannot write the report: E[A-Z]+$/);
  });
});
