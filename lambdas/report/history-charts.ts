// The history page's charts (SVG): VaR and ES over the runs, attribution over time, realized returns against −VaR.
import type { HistoryEntry, Realized } from './history-entry.ts';
import { levelKeys, pct, pctLevel } from './format.ts';
import { axes, c, clip, escapeHtml, extent, figure, type LegendItem, PALETTE, pad, plot, polyline } from './svg.ts';

/** x positions: one slot per run, oldest left; ticks name each run's data end date. */
function runAxis(runs: HistoryEntry[]) {
  const n = runs.length;
  const every = Math.max(1, Math.ceil(n / 8));
  return {
    domain: [-0.5, Math.max(n - 0.5, 0.5)] as [number, number],
    ticks: runs.map((_, i) => i).filter((i) => i % every === 0 || i === n - 1),
    label: (i: number) => runs[Math.round(i)]?.window.end ?? '',
  };
}

export function varChart(runs: HistoryEntry[], changed: boolean[]): string {
  const levels = levelKeys(runs[runs.length - 1].risk);
  const colors = new Map(levels.map((k, i) => [k, PALETTE[(i + 1) % PALETTE.length]]));
  const values = runs.flatMap((r) => levels.flatMap((k) => (r.risk[k] ? [r.risk[k].var, r.risk[k].es] : [])));
  const [y0, y1] = pad(...extent([0, ...values]), 0.08);
  const items: LegendItem[] = levels.flatMap((k) => [
    { label: `VaR ${pctLevel(k)}`, color: colors.get(k)! },
    { label: `ES ${pctLevel(k)}`, color: colors.get(k)!, dash: '6 3' },
  ]);
  if (changed.some(Boolean)) items.push({ label: 'model or settings changed', color: '#000', marker: true });
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { legend: items });
  const body: string[] = [clip('clip-var-history', p), axes(p, { x: 'run (data end date)', y: 'loss (% of portfolio)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  body.push('<g clip-path="url(#clip-var-history)">');
  for (const k of levels) {
    for (const [what, dash] of [['var', ''], ['es', '6 3']] as const) {
      const pts = runs.map((r, i) => [p.x(i), p.y(r.risk[k]?.[what] ?? NaN)] as [number, number]);
      body.push(polyline(pts, `stroke="${colors.get(k)}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}`));
      runs.forEach((r, i) => {
        const v = r.risk[k]?.[what];
        if (v === undefined) return;
        body.push(`<circle class="point" cx="${c(p.x(i))}" cy="${c(p.y(v))}" r="3" fill="${colors.get(k)}"><title>${escapeHtml(`${r.window.end} ${what.toUpperCase()} ${pctLevel(k)}: ${pct(v)}`)}</title></circle>`);
      });
    }
  }
  runs.forEach((r, i) => {
    if (!changed[i]) return;
    const x = p.x(i);
    body.push(`<line class="model-change" x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}" stroke="#000" stroke-width="1" stroke-dasharray="3 3"/>`);
    body.push(`<circle class="model-change" cx="${c(x)}" cy="${c(p.top + 6)}" r="5" fill="#000"><title>${escapeHtml(`${r.runId}: model ${r.model}, settings ${JSON.stringify(r.modelSettings)}`)}</title></circle>`);
  });
  body.push('</g>');
  const n = changed.filter(Boolean).length;
  return figure(
    'chart-var-history',
    'VaR and ES over the runs',
    `${runs.length} successful runs, oldest left; solid VaR, dashed ES per level.${n ? ` The black markers show the ${n} run${n === 1 ? '' : 's'} whose model or settings differ from the run before.` : ' Every run used the same model and settings.'}`,
    p,
    body.join(''),
  );
}

export function attributionChart(runs: HistoryEntry[]): string {
  const names = [...new Set(runs.flatMap((r) => Object.keys(r.attribution)))];
  const colors = new Map(names.map((n, i) => [n, PALETTE[i % PALETTE.length]]));
  // stacked bars: positive contributions stack up from 0, diversifiers (negative) down from 0
  const tops = runs.map((r) => Object.values(r.attribution).reduce((s, v) => s + Math.max(v, 0), 0));
  const bottoms = runs.map((r) => Object.values(r.attribution).reduce((s, v) => s + Math.min(v, 0), 0));
  const [y0, y1] = pad(...extent([0, ...tops, ...bottoms]), 0.08);
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { legend: names.map((n) => ({ label: n, color: colors.get(n)! })) });
  const body: string[] = [axes(p, { x: 'run (data end date)', y: 'component VaR (% of portfolio)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  const w = Math.min(((p.right - p.left) / Math.max(runs.length, 1)) * 0.6, 60);
  runs.forEach((r, i) => {
    let up = 0, down = 0;
    for (const n of names) {
      const v = r.attribution[n];
      if (v === undefined || v === 0) continue;
      const a = v > 0 ? up : down, b = a + v;
      if (v > 0) up = b;
      else down = b;
      const ya = p.y(a), yb = p.y(b);
      body.push(`<rect class="segment" x="${c(p.x(i) - w / 2)}" y="${c(Math.min(ya, yb))}" width="${c(w)}" height="${c(Math.max(Math.abs(ya - yb), 0.5))}" fill="${colors.get(n)}"><title>${escapeHtml(`${r.window.end} ${n}: ${pct(v, 3)}`)}</title></rect>`);
    }
  });
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  const level = levelKeys(runs[runs.length - 1].risk)[0];
  return figure(
    'chart-attribution-history',
    'Factor attribution over time',
    `Euler contributions of each factor to the ${pctLevel(level ?? '')} VaR per run, stacked (they add up to the VaR); a bar below zero is a diversifier.`,
    p,
    body.join(''),
  );
}

export function realizedChart(runs: HistoryEntry[], realized: Map<string, Realized>): string {
  const levels = levelKeys(runs[runs.length - 1].risk);
  const colors = new Map(levels.map((k, i) => [k, PALETTE[(i + 1) % PALETTE.length]]));
  const have = runs.map((r, i) => ({ r, i, x: realized.get(r.runId) })).filter((d) => d.x);
  const vals = [...have.map((d) => d.x!.return), ...runs.flatMap((r) => levels.map((k) => -(r.risk[k]?.var ?? 0)))];
  const [y0, y1] = pad(...extent([0, ...vals]), 0.1);
  const items: LegendItem[] = [
    ...levels.map((k) => ({ label: `−VaR ${pctLevel(k)}`, color: colors.get(k)! })),
    { label: 'realized next-day return', color: '#1b1f24', marker: true },
    { label: 'exception (loss beyond VaR)', color: '#b42318', marker: true },
  ];
  const ax = runAxis(runs);
  const p = plot(ax.domain, [y0, y1], { height: 300, legend: items });
  const body: string[] = [clip('clip-realized', p), axes(p, { x: 'run (data end date)', y: 'return (%)' }, { xTicks: ax.ticks, xFormat: ax.label, yFormat: (v) => (v * 100).toFixed(1) })];
  body.push('<g clip-path="url(#clip-realized)">');
  body.push(`<line class="zero" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(p.y(0))}" y2="${c(p.y(0))}"/>`);
  for (const k of levels) body.push(polyline(runs.map((r, i) => [p.x(i), p.y(-(r.risk[k]?.var ?? NaN))]), `stroke="${colors.get(k)}" stroke-width="1.8"`));
  for (const { r, i, x } of have) {
    const exception = x!.exceptions.length > 0;
    body.push(
      `<circle class="${exception ? 'realized exception' : 'realized'}" cx="${c(p.x(i))}" cy="${c(p.y(x!.return))}" r="${exception ? 5.5 : 4}" fill="${exception ? '#b42318' : '#1b1f24'}" stroke="#fff" stroke-width="1"><title>${escapeHtml(`${x!.date} after ${r.window.end}: ${pct(x!.return)}${exception ? `, beyond VaR ${x!.exceptions.map(pctLevel).join(', ')}` : ''}`)}</title></circle>`,
    );
  }
  body.push('</g>');
  const exceptions = have.filter((d) => d.x!.exceptions.length).length;
  const caption = have.length
    ? `The portfolio's return on the first day after each run's data, read from later uploads (${have.length} of ${runs.length} runs; the newest has none yet), against −VaR; ${exceptions} exception${exceptions === 1 ? '' : 's'} (red).`
    : `No later upload holds the day after any run's data yet: the points appear once one does. The lines show −VaR per level.`;
  return figure('chart-realized', 'Realized next-day returns against −VaR', caption, p, body.join(''));
}

