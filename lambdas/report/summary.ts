// The report's first screen: the header (what the run is about) and the summary box (the answer and every warning).
import type { BacktestResult } from '../engine/backtest.ts';
import { settingsSchema } from '../engine/config.ts';
import type { RunResult } from '../engine/types.ts';
import { describeSimulation, fmt, levelKeys, money, pct, pctLevel, pp, utc } from './format.ts';
import type { ReportExtras, ReportSubject } from './report.ts';
import { escapeHtml } from './svg.ts';
import { lassoVerdict } from './verdicts.ts';
import { VARSTREAM_VERSION } from './version.ts';

/** Settings shown on the model line rather than in the "other settings" list. */
const MODEL_LINE = new Set(['model', 'distribution', 'df', 'residual', 'intercept', 'horizon', 'simulations', 'shards', 'seed']);
const SETTING_DEFAULTS: Record<string, unknown> = settingsSchema.parse({});

export function headerHtml(run: RunResult, subject: ReportSubject): string {
  const s = subject.settings ?? {};
  const input = subject.input;
  const version = input ? [input.versionId ? `version ${input.versionId}` : '', input.etag ? `ETag ${input.etag}` : ''].filter(Boolean).join(', ') : '';
  const where = input ? `${input.bucket ? `s3://${input.bucket}/` : ''}${input.key}${version ? ` (${version})` : ''}` : '—';
  const sim = run.simulation;
  const modelName = typeof s.model === 'string' ? `model “${s.model}”` : 'factor Monte Carlo';
  const model = [modelName, describeSimulation(sim), ...(sim.exact ? [] : [`${sim.simulations.toLocaleString('en-US')} simulations`])].join(' · ');
  const other = Object.keys(s)
    .filter((k) => !MODEL_LINE.has(k) && s[k] !== undefined && JSON.stringify(s[k]) !== JSON.stringify(SETTING_DEFAULTS[k]))
    .map((k) => `${k} ${showSetting(s[k])}`);
  const rows: Array<[string, string]> = [
    ['Input', where],
    ['Data', `${run.observations} daily returns, ${run.window.start} … ${run.window.end} (column “${run.portfolio}”)`],
    ['Run', `${subject.runId ?? '—'} · ${utc(subject.createdAt)}`],
    ['Model', model],
    ['Seed', `${sim.seed} (${sim.shards} shard${sim.shards === 1 ? '' : 's'})`],
    ['Settings', other.length ? other.join(' · ') : 'defaults'],
    ['Version', `varstream ${VARSTREAM_VERSION}`],
  ];
  return `<header id="subject"><p class="kicker">varstream · value at risk</p>
<h1>Portfolio <span id="portfolio-id">${escapeHtml(subject.portfolioId)}</span> · ${escapeHtml(run.window.end)}</h1>
<dl class="subject">${rows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join('')}</dl></header>`;
}

function showSetting(v: unknown): string {
  if (typeof v === 'number') return Math.abs(v) >= 1000 && Number.isInteger(v) ? v.toLocaleString('en-US') : String(v);
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

/** Every warning a reader must see on the first screen: the fit's, LASSO's verdict and a backtest that is not green. */
export function reportWarnings(run: RunResult, backtest?: BacktestResult): string[] {
  const out = [...run.warnings];
  if (!run.adequate && !out.some((w) => w.includes('R²'))) out.push(`the model is not adequate: final R² ${fmt(run.final.r2, 4)}`);
  const lasso = lassoVerdict(run);
  if (!lasso.agrees) out.push(`LASSO ${lasso.text}: CV α selects ${run.lasso.cvSelected.join(', ') || 'nothing'}, 1-SE α selects ${run.lasso.selected1se.join(', ') || 'nothing'}`);
  if (backtest) {
    for (const k of levelKeys(backtest.levels)) {
      const t = backtest.levels[k].trafficLight;
      if (t.zone !== 'green') out.push(`backtest ${pctLevel(k)}: ${t.zone} zone (${t.exceptions} exceptions in ${t.days} days)`);
    }
  }
  return out;
}

function currencyOf(settings: Record<string, unknown> | undefined): string | undefined {
  return typeof settings?.currency === 'string' ? settings.currency : undefined;
}

export function summaryBox(run: RunResult, subject: ReportSubject, backtest: ReportExtras['backtest']): string {
  const levels = levelKeys(run.risk);
  const hasMoney = run.value !== undefined;
  const unit = currencyOf(subject.settings) ?? 'amount';
  const prev = subject.previous;
  const head = `<tr><th>Level</th><th>VaR</th><th>ES</th>${hasMoney ? `<th>VaR (${escapeHtml(unit)})</th><th>ES (${escapeHtml(unit)})</th>` : ''}${prev ? '<th>VaR vs previous</th><th>ES vs previous</th>' : ''}</tr>`;
  const rows = levels
    .map((k) => {
      const r = run.risk[k];
      const p = prev?.risk[k];
      const change = prev ? `<td>${p ? pp(r.var - p.var) : '—'}</td><td>${p ? pp(r.es - p.es) : '—'}</td>` : '';
      return `<tr data-level="${escapeHtml(k)}"><th scope="row">${escapeHtml(pctLevel(k))}</th><td class="var">${pct(r.var)}</td><td class="es">${pct(r.es)}</td>${
        hasMoney ? `<td class="var-value">${money(r.varValue)}</td><td class="es-value">${money(r.esValue)}</td>` : ''
      }${change}</tr>`;
    })
    .join('');
  const horizon = `${run.simulation.horizon}-day`;
  const value = hasMoney ? ` on a portfolio value of <strong>${escapeHtml(money(run.value))}${currencyOf(subject.settings) ? ` ${escapeHtml(unit)}` : ''}</strong>` : '';
  const prevLine = prev
    ? `<p class="small">Change against the previous run ${escapeHtml(prev.runId)} (${escapeHtml(utc(prev.createdAt))}${prev.window ? `, data to ${escapeHtml(prev.window.end)}` : ''}), in percentage points of the portfolio.</p>`
    : `<p class="small">No previous run of this portfolio to compare with.</p>`;
  let zone = '';
  if (backtest) {
    const parts = levelKeys(backtest.levels).map((k) => {
      const t = backtest.levels[k].trafficLight;
      return `${escapeHtml(pctLevel(k))} <span class="zone ${t.zone}">${t.zone}</span> ${t.exceptions}/${t.days}`;
    });
    zone = `<p>Backtest (Basel traffic light, exceptions/days): ${parts.join(' · ')}</p>`;
  }
  const warnings = reportWarnings(run, backtest);
  const list = warnings.length
    ? `<ul class="warnings" id="warnings">${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : `<ul class="warnings" id="warnings"><li class="none">No warnings: the model is adequate and LASSO agrees with the screening.</li></ul>`;
  return `<section id="summary" class="summary"><h2>Summary</h2>
<p class="big">${horizon} Value at Risk and Expected Shortfall${value}</p>
<div class="table-wrap"><table id="summary-risk"><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${prevLine}${zone}
<h3 class="small">Warnings (${warnings.length})</h3>${list}</section>`;
}
