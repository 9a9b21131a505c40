// The report's built-in detail sections, each a heading, a one-line verdict and its body (tables and charts).
import type { BacktestResult, BacktestSeries } from '../engine/backtest.ts';
import type { Histogram, RunResult } from '../engine/types.ts';
import { attributionChart, backtestChart, cvChart, lassoChart, qqChart } from './charts.ts';
import { closedFormName } from '../engine/closed-form.ts';
import { distributionChart } from './distribution-chart.ts';
import { fmt, fmtP, fmtSci, levelKeys, money, pct, pctLevel } from './format.ts';
import type { ReportSection } from './report.ts';
import { escapeHtml } from './svg.ts';
import { lassoVerdict } from './verdicts.ts';

export function modelSection(run: RunResult, settings: Record<string, unknown> | undefined): ReportSection {
  const f = run.final;
  const threshold = typeof settings?.r2Threshold === 'number' ? settings.r2Threshold : undefined;
  const verdict = run.adequate
    ? { ok: true, text: `Adequate: the final regression explains R² ${fmt(f.r2, 4)} of the portfolio${threshold !== undefined ? ` (threshold ${threshold})` : ''}.` }
    : { ok: false, text: `Not adequate: R² ${fmt(f.r2, 4)}${threshold !== undefined ? ` is below the threshold ${threshold}` : ''}; a factor-only VaR understates the risk.` };
  return {
    id: 'model',
    title: 'Model',
    verdict,
    html: `<p>Column <strong>${escapeHtml(run.portfolio)}</strong> on ${escapeHtml(run.selected.join(', ') || 'no factor')}: R² ${fmt(f.r2, 4)} (adjusted ${fmt(f.adjR2, 4)}).</p>
<dl class="kv">
<div><dt>F statistic</dt><dd>${fmt(f.fStat, 2)} (p ${fmtP(f.fPValue)})</dd></div>
<div><dt>Residual std error</dt><dd>${fmt(f.residualStdError, 6)}</dd></div>
<div><dt>Durbin–Watson</dt><dd>${fmt(f.durbinWatson, 3)}</dd></div>
<div><dt>Jarque–Bera</dt><dd>${fmt(f.jarqueBera.stat, 2)} (p ${fmtP(f.jarqueBera.pValue)}), skew ${fmt(f.jarqueBera.skew, 3)}, kurtosis ${fmt(f.jarqueBera.kurtosis, 3)}</dd></div>
<div><dt>Breusch–Pagan</dt><dd>${fmt(f.breuschPagan.stat, 2)} (p ${fmtP(f.breuschPagan.pValue)})</dd></div>
<div><dt>Intercept α</dt><dd>${fmt(run.model.alpha, 6)}${run.simulation.intercept ? '' : ' (not simulated)'}</dd></div>
</dl>`,
  };
}

export function riskSection(run: RunResult, histogram: Histogram | undefined): ReportSection {
  const levels = levelKeys(run.risk);
  // a z-score only against an exact closed form: against an approximation the gap is model error, not noise, and an
  // enumeration has no simulation error (the CLI's cross-check follows the same rule)
  const exact = run.simulation.exact === true;
  const gapOf = (k: string) => {
    const r = run.risk[k];
    return exact || r.analytic === 'approximation' ? NaN : (r.var - r.analyticVar) / r.standardError;
  };
  const rows = levels
    .map((k) => {
      const r = run.risk[k];
      const gap = gapOf(k);
      return `<tr><th scope="row">${escapeHtml(pctLevel(k))}</th><td>${pct(r.var)}</td><td>${pct(r.es)}</td><td>${pct(r.analyticVar)}</td><td>${pct(r.analyticEs)}</td><td>${Number.isFinite(gap) ? fmt(gap, 2) : '—'}</td><td>${pct(r.standardError, 4)}</td><td>${pct(r.ci95[0])} – ${pct(r.ci95[1])}</td></tr>`;
    })
    .join('');
  const approximate = levels.some((k) => run.risk[k].analytic === 'approximation');
  const form = approximate ? 'Normal approximation' : 'Closed-form';
  const head = `<tr><th>Level</th><th>VaR</th><th>ES</th><th>${form} VaR</th><th>${form} ES</th><th>(VaR − closed form) / SE</th><th>Std error of VaR</th><th>95% CI of VaR</th></tr>`;
  const gaps = levels.map((k) => Math.abs(gapOf(k))).filter(Number.isFinite);
  const worst = gaps.length ? Math.max(...gaps) : NaN;
  const verdict = exact
    ? { ok: true, text: `Exact: the VaR and ES enumerate the ${run.simulation.simulations.toLocaleString('en-US')} scenario days, with no Monte Carlo error.` }
    : !Number.isFinite(worst)
      ? approximate
        ? { ok: true, text: 'No closed form exists for this model: the cross-check column is the normal approximation, so no z-score is computed against it.' }
        : undefined
      : worst <= 3
        ? { ok: true, text: `The Monte Carlo VaR agrees with the closed form at every level (largest gap ${fmt(worst, 1)} standard errors).` }
        : { ok: false, text: `The Monte Carlo VaR differs from the closed form by up to ${fmt(worst, 1)} standard errors.` };
  return {
    id: 'risk',
    title: 'Value at Risk',
    verdict,
    html: `<p>Cross-check: ${escapeHtml(closedFormName(run.simulation))}.</p>
<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows}</tbody></table></div>
${distributionChart(run, histogram)}`,
  };
}
export function factorSection(run: RunResult): ReportSection {
  const vifSteps = new Map<string, { index: number; value: number }>();
  const pSteps = new Map<string, { index: number; value: number }>();
  run.screening.steps.forEach((s, i) => (s.reason === 'vif' ? vifSteps : pSteps).set(s.factor, { index: i + 1, value: s.value }));
  const lasso = run.lasso;
  const rows = run.candidates
    .map((name) => {
      const full = run.full.coefficients[name];
      const fin = run.final.coefficients[name];
      let decision: string;
      const v = vifSteps.get(name), p = pSteps.get(name);
      if (v) decision = `<span class="bad">dropped step ${v.index}: VIF ${fmt(v.value, 2)}</span>`;
      else if (p) decision = `<span class="bad">dropped step ${p.index}: p ${fmtP(p.value)}</span>`;
      else if (run.selected.includes(name)) decision = `<span class="ok">kept</span>`;
      else decision = 'not selected';
      const inCv = lasso.cvSelected.includes(name), in1se = lasso.selected1se.includes(name);
      return `<tr><th scope="row">${escapeHtml(name)}</th><td>${fmt(run.full.vif[name], 2)}</td><td>${fmt(full?.estimate, 4)}</td><td>${fmtP(full?.pValue)}</td><td>${decision}</td><td>${fin ? fmt(fin.estimate, 4) : ''}</td><td>${fin ? fmt(fin.tStat, 2) : ''}</td><td>${fin ? fmtP(fin.pValue) : ''}</td><td>${fin ? fmt(run.final.vif[name], 2) : ''}</td><td>${inCv ? '✓' : '·'} / ${in1se ? '✓' : '·'}</td></tr>`;
    })
    .join('');
  const constant = run.final.coefficients.const;
  const constRow = constant
    ? `<tr><th scope="row">const</th><td></td><td>${fmt(run.full.coefficients.const?.estimate, 6)}</td><td>${fmtP(run.full.coefficients.const?.pValue)}</td><td></td><td>${fmt(constant.estimate, 6)}</td><td>${fmt(constant.tStat, 2)}</td><td>${fmtP(constant.pValue)}</td><td></td><td></td></tr>`
    : '';
  const dropped = run.candidates.length - run.selected.length;
  return {
    id: 'factors',
    title: 'Factors and screening',
    verdict: { ok: run.selected.length > 0, text: `${run.selected.length} of ${run.candidates.length} candidate factors kept (${run.selected.join(', ') || 'none'}); ${dropped} dropped.` },
    html: `<p>Screening drops the highest VIF above the threshold, then the highest p-value above it, one at a time, refitting after each step.</p>
<div class="table-wrap"><table><thead><tr><th>Factor</th><th>VIF (all)</th><th>β (all)</th><th>p (all)</th><th>Decision</th><th>β (final)</th><th>t (final)</th><th>p (final)</th><th>VIF (final)</th><th>LASSO CV / 1-SE</th></tr></thead>
<tbody>${rows}${constRow}</tbody></table></div>`,
  };
}

export function lassoSection(run: RunResult): ReportSection {
  const v = lassoVerdict(run);
  return {
    id: 'lasso',
    title: 'LASSO check',
    verdict: { ok: v.agrees, text: `LASSO ${v.text}.` },
    html: `<p>CV-optimal α = ${fmtSci(run.lasso.cvAlpha)} selects ${escapeHtml(run.lasso.cvSelected.join(', ') || 'nothing')}; the 1-SE α = ${fmtSci(run.lasso.alpha1se)} selects ${escapeHtml(run.lasso.selected1se.join(', ') || 'nothing')}.</p>
${lassoChart(run)}${cvChart(run)}`,
  };
}

export function residualSection(run: RunResult): ReportSection {
  const jb = run.final.jarqueBera;
  const normal = !(jb.pValue < 0.05);
  const verdict = normal
    ? { ok: true, text: `Residuals look normal (Jarque–Bera p ${fmtP(jb.pValue)}).` }
    : { ok: false, text: `Residuals are not normal (Jarque–Bera p ${fmtP(jb.pValue)}, kurtosis ${fmt(jb.kurtosis, 2)}${jb.kurtosis > 3 ? ': fatter tails than normal, consider distribution t' : ''}).` };
  return { id: 'residuals', title: 'Residuals', verdict, html: qqChart(run) };
}

export function attributionSection(run: RunResult): ReportSection | undefined {
  const names = Object.keys(run.attribution);
  if (!names.length) return undefined;
  const total = names.reduce((s, n) => s + run.attribution[n].componentVar, 0);
  const top = names.reduce((a, b) => (run.attribution[b].componentVar > run.attribution[a].componentVar ? b : a));
  const share = total !== 0 ? run.attribution[top].componentVar / total : NaN;
  return {
    id: 'attribution',
    title: 'Risk attribution',
    verdict: { ok: true, text: `${top} carries the most risk: ${pct(share, 0)} of the ${pctLevel(levelKeys(run.risk)[0] ?? '')} VaR.` },
    html: attributionChart(run),
  };
}

export function stressSection(run: RunResult): ReportSection | undefined {
  if (!run.stress.length) return undefined;
  const rows = run.stress
    .map((s) => {
      const shock = Object.entries(s.shock).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      const implied = Object.entries(s.factors).map(([k, v]) => `${escapeHtml(k)} ${pct(v)}`).join(', ');
      return `<tr><td>${shock}</td><td>${pct(s.direct)}</td><td>${pct(s.conditional)}</td><td class="small">${implied}</td></tr>`;
    })
    .join('');
  const worst = Math.min(...run.stress.map((s) => s.conditional));
  return {
    id: 'stress',
    title: 'Stress scenarios',
    verdict: { ok: true, text: `Worst conditional P&L ${pct(worst)}${run.value !== undefined ? ` (${money(worst * run.value)})` : ''}.` },
    html: `<div class="table-wrap"><table><thead><tr><th>Shock</th><th>Direct P&amp;L</th><th>Conditional P&amp;L</th><th>Implied factor moves</th></tr></thead><tbody>${rows}</tbody></table></div>`,
  };
}

export function backtestSection(bt: BacktestResult & { series?: BacktestSeries }): ReportSection {
  const rows = Object.entries(bt.levels)
    .map(([k, l]) => {
      const zone = l.trafficLight.zone;
      return `<tr><td>${escapeHtml(pctLevel(k))}</td><td>${l.exceptions} / ${l.observations}</td><td>${pct(l.rate)}</td><td>${pct(l.expectedRate)}</td><td>${fmt(l.kupiec.lr, 3)} (p ${fmtP(l.kupiec.pValue)})</td><td>${fmt(l.christoffersen.lr, 3)} (p ${fmtP(l.christoffersen.pValue)})</td><td>${fmt(l.conditionalCoverage.lr, 3)} (p ${fmtP(l.conditionalCoverage.pValue)})</td><td><span class="zone ${zone}">${zone}</span> ${l.trafficLight.exceptions} in ${l.trafficLight.days} d</td></tr>`;
    })
    .join('');
  const window = (w: { start: string; end: string; observations?: number } | undefined) =>
    w ? `${escapeHtml(w.start)} … ${escapeHtml(w.end)}${w.observations !== undefined ? ` (${w.observations} days)` : ''}` : '—';
  const rolling = bt.rolling ? ` Rolling re-estimation: ${bt.rolling.window}-day window every ${bt.rolling.step} days (${bt.rolling.refits.length} fits).` : '';
  const zones = Object.values(bt.levels).map((l) => l.trafficLight.zone);
  const worst = zones.includes('red') ? 'red' : zones.includes('yellow') ? 'yellow' : 'green';
  // a Monte Carlo VaR: the exceptions simulation noise alone could undo (`exceptionsWithinCi`)
  const within = Object.entries(bt.levels)
    .filter(([, l]) => l.exceptionsWithinCi !== undefined)
    .map(([k, l]) => `${pctLevel(k)}: ${l.exceptionsWithinCi!.length} of ${l.exceptions}${l.exceptionsWithinCi!.length ? ` (${l.exceptionsWithinCi!.join(', ')})` : ''}`);
  const noise = within.length ? `<p>Exceptions inside the VaR's 95% Monte Carlo interval, which simulation noise alone could undo — ${escapeHtml(within.join('; '))}.</p>\n` : '';
  return {
    id: 'backtest',
    title: 'Backtest',
    verdict: { ok: worst === 'green', text: `Basel traffic light: ${worst}${worst === 'green' ? ' at every level' : ''}.` },
    html: `<p>In-sample ${window(bt.inSample)}; out-of-sample ${window(bt.outOfSample)}.${escapeHtml(rolling)}</p>
<div class="table-wrap"><table><thead><tr><th>Level</th><th>Exceptions</th><th>Rate</th><th>Expected</th><th>Kupiec LR</th><th>Christoffersen LR</th><th>Conditional coverage</th><th>Traffic light</th></tr></thead><tbody>${rows}</tbody></table></div>
${noise}${bt.series ? backtestChart(bt, bt.series) : ''}`,
  };
}
