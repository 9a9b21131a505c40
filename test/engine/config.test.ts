import { describe, expect, it } from 'vitest';
import { parseSettings, parseSettingsJson } from '../../lambdas/engine/config.ts';
import { modelOptions } from '../../lambdas/engine/models/index.ts';

describe('settings schema', () => {
  it('fills the source paper defaults', () => {
    const s = parseSettings({});
    expect(s.vifThreshold).toBe(10);
    expect(s.pValueThreshold).toBe(0.05);
    expect(s.r2Threshold).toBe(0.8);
    expect(s.simulations).toBe(10_000);
    expect(s.confidence).toEqual([0.99, 0.975, 0.95]);
  });
  it('names an unknown key', () => {
    expect(() => parseSettings({ simulatons: 5 }, 'c.json')).toThrow(/^c\.json:1:1: unknown setting "simulatons"/);
  });
  it('names a bad value', () => {
    expect(() => parseSettings({ vifThreshold: -1 }, 'c.json')).toThrow(/setting "vifThreshold"/);
    expect(() => parseSettings({ start: '2023-02-30' }, 'c.json')).toThrow(/setting "start": not a calendar date/);
    expect(() => parseSettings({ distribution: 't' }, 'c.json')).toThrow(/setting "df"/);
  });
  it('accepts a UTF-8 byte-order mark in front of the JSON', () => {
    expect(parseSettingsJson('\uFEFF{"seed": 7}', 'c.json').seed).toBe(7);
  });
  it('locates broken JSON', () => {
    expect(() => parseSettingsJson('{\n  "seed": 1,\n  oops\n}', 'c.json')).toThrow(/^c\.json:3:\d+: config is not valid JSON/);
  });
});

describe('model settings', () => {
  it('defaults to the paper model with λ 0.94 and no lookback', () => {
    const s = parseSettings({});
    expect(s.model).toBe('normal');
    expect(s.lambda).toBe(0.94);
    expect(s.lookback).toBeUndefined();
    expect(parseSettings({ model: 'fhs', lambda: 0.97, lookback: 300 })).toMatchObject({ model: 'fhs', lambda: 0.97, lookback: 300 });
    expect(modelOptions(parseSettings({ model: 'hs', lookback: 300 }))).toEqual({ lambda: 0.94, lookback: 300, residual: 'none', intercept: false });
    expect(modelOptions(parseSettings({ model: 't', df: 5 }))).toEqual({ lambda: 0.94, df: 5, residual: 'none', intercept: false });
  });
  it('refuses bad values naming the key', () => {
    expect(() => parseSettings({ model: 'garch' }, 'c.json')).toThrow(/^c\.json:1:1: setting "model": /);
    expect(() => parseSettings({ lambda: 1 }, 'c.json')).toThrow(/setting "lambda"/);
    expect(() => parseSettings({ lambda: 0 }, 'c.json')).toThrow(/setting "lambda"/);
    expect(() => parseSettings({ model: 't', df: 2 }, 'c.json')).toThrow(/setting "df"/);
    expect(() => parseSettings({ model: 'hs', lookback: 10.5 }, 'c.json')).toThrow(/setting "lookback"/);
    expect(() => parseSettings({ model: 'ewma', lookback: 250 }, 'c.json')).toThrow(/setting "lookback": applies to models "hs" and "fhs" only/);
    expect(() => parseSettings({ model: 'ewma', distribution: 't', df: 5 }, 'c.json')).toThrow(/setting "distribution": applies to model "normal" only/);
  });
});
