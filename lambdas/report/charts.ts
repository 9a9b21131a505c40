// The report's other charts (SVG): LASSO paths and CV error, residual Q–Q, attribution bars, backtest exceptions.
import type { BacktestResult, BacktestSeries } from '../engine/backtest.ts';
import type { RunResult } from '../engine/types.ts';
import { fmtP, fmtSci, pct, pctLevel } from './format.ts';
import { axes, c, clip, escapeHtml, extent, figure, type LegendItem, linear, PALETTE, pad, type Plot, plot, polyline } from './svg.ts';

/** The vertical lines at the CV-optimal α (dashed) and the 1-SE α (dotted) of both LASSO charts. */
function alphaMarkers(p: Plot, l: RunResult['lasso']): string[] {
  const lines: string[] = [];
  for (const [a, dash] of [[l.cvAlpha, '5 3'], [l.alpha1se, '2 3']] as const) {
    if (!(a > 0)) continue;
    const x = p.x(Math.log10(a));
    lines.push(`<line x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="#444" stroke-width="1.5" stroke-dasharray="${dash}"/>`);
  }
  return lines;
}

export function lassoChart(run: RunResult): string {
  const l = run.lasso;
  const names = Object.keys(l.coefficients);
  const logs = l.alphas.map((a) => Math.log10(a));
  const [lx0, lx1] = extent(logs);
  const [ly0, ly1] = pad(...extent([0, ...names.flatMap((n) => l.coefficients[n])]), 0.08);
  const items: LegendItem[] = [
    ...names.map((n, i) => ({ label: n, color: PALETTE[i % PALETTE.length] })),
    { label: 'CV α', color: '#444', dash: '5 3' },
    { label: '1-SE α', color: '#444', dash: '2 3' },
  ];
  const p = plot([lx0, lx1], [ly0, ly1], { legend: items });
  const body: string[] = [clip('clip-lasso', p), axes(p, { x: 'log₁₀ α', y: 'coefficient (standardized)' })];
  body.push('<g clip-path="url(#clip-lasso)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  names.forEach((n, i) => {
    body.push(polyline(l.coefficients[n].map((v, j) => [p.x(logs[j]), p.y(v)]), `stroke="${PALETTE[i % PALETTE.length]}" stroke-width="2"`));
  });
  body.push(...alphaMarkers(p, l));
  body.push('</g>');
  return figure(
    'chart-lasso',
    'LASSO coefficient paths',
    `Standardized coefficients of every candidate factor against log₁₀ α (${l.alphas.length} values); dashed: the CV-optimal α = ${fmtSci(l.cvAlpha)}, dotted: the 1-SE α = ${fmtSci(l.alpha1se)}.`,
    p,
    body.join(''),
  );
}

export function cvChart(run: RunResult): string {
  const l = run.lasso;
  if (!l.cvMse?.length) return '';
  const logs = l.alphas.map((a) => Math.log10(a));
  const lo = l.cvMse.map((m, i) => m - (l.cvMseSe[i] ?? 0)), hi = l.cvMse.map((m, i) => m + (l.cvMseSe[i] ?? 0));
  const [y0, y1] = pad(...extent([...lo, ...hi]), 0.08);
  const scaleExp = Math.floor(Math.log10(Math.max(Math.abs(y1), 1e-300)));
  const unit = 10 ** scaleExp;
  const items: LegendItem[] = [{ label: 'mean CV MSE ± 1 SE', color: '#1f77b4' }, { label: 'CV α', color: '#444', dash: '5 3' }, { label: '1-SE α', color: '#444', dash: '2 3' }];
  const p = plot(extent(logs), [y0, y1], { height: 260, legend: items });
  const body: string[] = [clip('clip-cv', p), axes(p, { x: 'log₁₀ α', y: `CV mean squared error (×10^${scaleExp})` }, { yFormat: (v) => (v / unit).toFixed(2) })];
  body.push('<g clip-path="url(#clip-cv)">');
  const band = [...logs.map((x, i) => `${c(p.x(x))},${c(p.y(hi[i]))}`), ...logs.map((x, i) => `${c(p.x(x))},${c(p.y(lo[i]))}`).reverse()];
  body.push(`<polygon points="${band.join(' ')}" fill="#9ecae1" fill-opacity="0.5"/>`);
  body.push(polyline(logs.map((x, i) => [p.x(x), p.y(l.cvMse[i])]), 'stroke="#1f77b4" stroke-width="2"'));
  body.push(...alphaMarkers(p, l));
  body.push('</g>');
  return figure('chart-cv', 'LASSO cross-validation error', `Mean squared error over the folds at each α with a ±1 standard-error band; the 1-SE rule takes the largest α within one SE of the minimum.`, p, body.join(''));
}

export function qqChart(run: RunResult): string {
  const qq = run.final.qq;
  const [a0, a1] = pad(...extent(qq.flat()), 0.05);
  const p = plot([a0, a1], [a0, a1], { width: 520, height: 440, legend: [{ label: 'standardized residual', color: '#1f77b4', marker: true }, { label: '45° line', color: '#d62728' }] });
  const body: string[] = [clip('clip-qq', p), axes(p, { x: 'theoretical normal quantile', y: 'standardized residual' })];
  body.push('<g clip-path="url(#clip-qq)">');
  body.push(`<line x1="${c(p.x(a0))}" y1="${c(p.y(a0))}" x2="${c(p.x(a1))}" y2="${c(p.y(a1))}" stroke="#d62728" stroke-width="1.8"/>`);
  body.push(qq.map(([t, s]) => `<circle cx="${c(p.x(t))}" cy="${c(p.y(s))}" r="2.4" class="dot"/>`).join(''));
  body.push('</g>');
  return figure(
    'chart-qq',
    'Residual Q–Q plot',
    `Standardized residuals of the final regression (${run.final.observations} days${qq.length < run.final.observations ? `, ${qq.length} quantiles shown` : ''}) against normal quantiles; points on the 45° line mean normal residuals. Jarque–Bera p ${fmtP(run.final.jarqueBera.pValue)}.`,
    p,
    body.join(''),
  );
}

export function attributionChart(run: RunResult): string {
  const names = Object.keys(run.attribution);
  const vals = names.flatMap((n) => [run.attribution[n].componentVar, run.attribution[n].componentEs]);
  const [v0, v1] = pad(...extent([0, ...vals]), 0.08);
  const rowH = 34, height = 56 + names.length * rowH;
  const maxLabel = Math.max(...names.map((n) => n.length));
  const p = plot([v0, v1], [0, names.length], { height, left: Math.min(40 + maxLabel * 7.5, 200), legend: [{ label: 'component VaR', color: '#1f77b4' }, { label: 'component ES', color: '#ff7f0e' }] });
  const y = linear([0, names.length], [p.top + 6, p.bottom]);
  const body: string[] = [axes(p, { x: 'contribution to the loss (% of portfolio)', y: '' }, { yTicks: [], xFormat: (v) => (v * 100).toFixed(Math.abs(v1 - v0) < 0.02 ? 2 : 1) })];
  body.push(`<line class="zero" x1="${c(p.x(0))}" x2="${c(p.x(0))}" y1="${c(p.top)}" y2="${c(p.bottom)}"/>`);
  names.forEach((n, i) => {
    const top = y(i);
    const a = run.attribution[n];
    for (const [v, dy, color] of [[a.componentVar, 4, '#1f77b4'], [a.componentEs, 16, '#ff7f0e']] as const) {
      const x0 = p.x(Math.min(0, v)), x1 = p.x(Math.max(0, v));
      body.push(`<rect x="${c(x0)}" y="${c(top + dy)}" width="${c(Math.max(x1 - x0, 0.5))}" height="11" fill="${color}"><title>${escapeHtml(n)}: ${pct(v, 3)}</title></rect>`);
    }
    body.push(`<text class="tick" x="${c(p.left - 6)}" y="${c(top + 19)}" text-anchor="end">${escapeHtml(n)}</text>`);
  });
  const total = names.reduce((s, n) => s + run.attribution[n].componentVar, 0);
  return figure(
    'chart-attribution',
    'Risk attribution by factor',
    `Euler contributions of each factor to VaR and ES (they add up to the total: VaR contributions sum to ${pct(total, 3)}); a negative bar is a diversifier.`,
    p,
    body.join(''),
  );
}

export function backtestChart(bt: BacktestResult, s: BacktestSeries): string {
  const n = s.dates.length;
  // levels from the highest confidence down: each day is marked once, by the highest level it breaches
  const levels = Object.keys(bt.levels)
    .filter((k) => s.var[k])
    .sort((a, b) => Number(b) - Number(a))
    .map((k, i) => ({ k, color: PALETTE[(i + 1) % PALETTE.length], days: [] as number[] }));
  const marked = new Set<number>();
  for (const l of levels) {
    s.returns.forEach((r, i) => {
      if (!marked.has(i) && r < -s.var[l.k][i]) {
        marked.add(i);
        l.days.push(i);
      }
    });
  }
  const items: LegendItem[] = [{ label: 'return', color: '#9aa5b1' }];
  for (const l of levels) items.push({ label: `−VaR ${pctLevel(l.k)}`, color: l.color });
  for (const l of levels) if (l.days.length) items.push({ label: `exception ${pctLevel(l.k)}`, color: l.color, marker: true });
  const [r0, r1] = pad(...extent([...s.returns, ...levels.flatMap((l) => s.var[l.k].map((v) => -v))]), 0.05);
  const p = plot([0, Math.max(n - 1, 1)], [r0, r1], { height: 340, legend: items });
  const months: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || s.dates[i].slice(0, 7) !== s.dates[i - 1].slice(0, 7)) months.push(i);
  const every = Math.max(1, Math.ceil(months.length / 8));
  const xTicks = months.filter((_, i) => i % every === 0);
  const body: string[] = [
    clip('clip-bt', p),
    axes(p, { x: 'date', y: 'daily return (%)' }, { xTicks, xFormat: (i) => s.dates[Math.round(i)]?.slice(0, 7) ?? '', yFormat: (v) => (v * 100).toFixed(1) }),
  ];
  body.push('<g clip-path="url(#clip-bt)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  body.push(polyline(s.returns.map((r, i) => [p.x(i), p.y(r)]), 'stroke="#9aa5b1" stroke-width="1"'));
  for (const l of levels) {
    // −VaR as a step line: the VaR holds for the whole day
    const pts: Array<[number, number]> = [];
    s.var[l.k].forEach((v, i) => pts.push([p.x(Math.max(i - 0.5, 0)), p.y(-v)], [p.x(Math.min(i + 0.5, n - 1)), p.y(-v)]));
    body.push(polyline(pts, `stroke="${l.color}" stroke-width="1.6"`));
  }
  for (const l of levels) {
    for (const i of l.days) {
      body.push(`<circle class="exception" cx="${c(p.x(i))}" cy="${c(p.y(s.returns[i]))}" r="4" fill="${l.color}" stroke="#000" stroke-width="0.8"><title>${escapeHtml(s.dates[i])}: ${pct(s.returns[i], 2)}</title></circle>`);
    }
  }
  body.push('</g>');
  const counts = levels.map((l) => `${bt.levels[l.k].exceptions} at ${pctLevel(l.k)}`).join(', ');
  return figure(
    'chart-backtest',
    'Out-of-sample returns against −VaR',
    `Daily portfolio returns ${s.dates[0]} … ${s.dates[n - 1]} (${n} days) with the loss threshold −VaR per level; marked days are exceptions, coloured by the highest level breached (${counts}).`,
    p,
    body.join(''),
  );
}
