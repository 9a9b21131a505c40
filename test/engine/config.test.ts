import { describe, expect, it } from 'vitest';
import { parseSettings, parseSettingsJson } from '../../lambdas/engine/config.ts';

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
