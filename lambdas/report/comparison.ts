// The report's model comparison (run setting `backtest`): one table row per model (exceptions, traffic light, the
// tests' p-values, Z2, capital, ranking) and per model a chart of its −VaR99 against the daily returns with the
// exceptions marked. Pure: ModelComparison in, HTML out.
import type { ModelBacktest, ModelComparison } from '../engine/backtest/compare.ts';
import { fmtP, pct } from './format.ts';
import type { ReportSection } from './report.ts';
import { axes, c, clip, escapeHtml, extent, figure, pad, PALETTE, plot, polyline, type LegendItem } from './svg.ts';


export function comparisonSection(cmp: ModelComparison): ReportSection {
  const rows = cmp.ranking
    .map((r, i) => {
      const m = cmp.models[r.model];
      const l = m.levels['0.99'];
      const zone = l.trafficLight.zone;
      const z2 = m.es.z2;
      return `<tr${i === 0 && r.eligible ? ' class="recommended"' : ''}><td>${escapeHtml(r.model)}</td><td>${l.exceptions} / ${l.observations}</td><td>${m.levels['0.975']?.exceptions ?? '—'}</td><td><span class="zone ${zone}">${zone}</span> ${l.trafficLight.exceptions} in ${l.trafficLight.days} d</td><td>${fmtP(l.kupiec.pValue)}</td><td>${fmtP(l.conditionalCoverage.pValue)}</td><td>${fmtP(l.dq?.pValue)}</td><td>${fmtP(l.duration?.pValue)}</td><td>${z2.z2.toFixed(2)} <span class="zone ${z2.zone}">${z2.zone}</span></td><td>${pct(m.meanVar)}</td><td>${m.multiplier.toFixed(2)}</td><td>${pct(m.capital)}</td><td>${r.eligible ? 'yes' : escapeHtml(`no: ${r.failures.join(', ')}`)}</td></tr>`;
    })
    .join('');
  const w = cmp.outOfSample;
  const verdict = cmp.recommended
    ? `The cheapest model that is green at 99 % and passes Kupiec, DQ and the duration test for clustering is <strong>${escapeHtml(cmp.recommended)}</strong>.`
    : 'No model is green at 99 % and passes Kupiec, DQ and the duration test for clustering.';
  const charts = cmp.ranking.map((r, i) => modelChart(r.model, cmp.models[r.model], PALETTE[i % PALETTE.length])).join('');
  return {
    id: 'model-comparison',
    title: 'Model comparison',
    verdict: cmp.recommended ? { ok: true, text: `Cheapest eligible model for capital: ${cmp.recommended}.` } : { ok: false, text: 'No model passes the backtest.' },
    html: `<p>Every model forecasts each of the ${w.observations} days ${escapeHtml(w.start)} … ${escapeHtml(w.end)} from the data up to the day before${cmp.inSample ? `, with the betas of ${escapeHtml(cmp.inSample.start)} … ${escapeHtml(cmp.inSample.end)}` : ''}. Capital = (3 + Basel plus factor) × mean 99 % VaR; Z2 is Acerbi–Szekely's ES test at 97.5 % (yellow ≤ −0.70, red ≤ −1.80). ${verdict}</p>
<div class="table-wrap"><table><thead><tr><th>Model</th><th>Exceptions 99 %</th><th>97.5 %</th><th>Traffic light</th><th>Kupiec p</th><th>Cond. coverage p</th><th>DQ p</th><th>Duration p</th><th>Z2</th><th>Mean VaR 99 %</th><th>Multiplier</th><th>Capital</th><th>Eligible</th></tr></thead><tbody>${rows}</tbody></table></div>
${charts}`,
  };
}

function modelChart(model: string, m: ModelBacktest, color: string): string {
  const s = m.series;
  const n = s.length;
  const returns = s.map((d) => d.return);
  const v = s.map((d) => d.var['0.99']);
  const exceptions = s.flatMap((d, i) => (d.return < -d.var['0.99'] ? [i] : []));
  const items: LegendItem[] = [
    { label: 'return', color: '#9aa5b1' },
    { label: '−VaR 99%', color },
  ];
  if (exceptions.length) items.push({ label: 'exception', color, marker: true });
  const [r0, r1] = pad(...extent([...returns, ...v.map((x) => -x)]), 0.05);
  const pl = plot([0, Math.max(n - 1, 1)], [r0, r1], { height: 220, legend: items });
  const months: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || s[i].date.slice(0, 7) !== s[i - 1].date.slice(0, 7)) months.push(i);
  const every = Math.max(1, Math.ceil(months.length / 8));
  const id = `chart-compare-${model.replace(/[^a-z0-9-]/gi, '_')}`;
  const body: string[] = [
    clip(`${id}-clip`, pl),
    axes(pl, { x: 'date', y: 'daily return (%)' }, { xTicks: months.filter((_, i) => i % every === 0), xFormat: (i) => s[Math.round(i)]?.date.slice(0, 7) ?? '', yFormat: (x) => (x * 100).toFixed(1) }),
    `<g clip-path="url(#${id}-clip)">`,
    polyline(returns.map((r, i) => [pl.x(i), pl.y(r)]), 'stroke="#9aa5b1" stroke-width="1"'),
    polyline(
      v.flatMap((x, i): Array<[number, number]> => [
        [pl.x(Math.max(i - 0.5, 0)), pl.y(-x)],
        [pl.x(Math.min(i + 0.5, n - 1)), pl.y(-x)],
      ]),
      `stroke="${color}" stroke-width="1.6"`,
    ),
    ...exceptions.map(
      (i) => `<circle class="exception" cx="${c(pl.x(i))}" cy="${c(pl.y(returns[i]))}" r="4" fill="${color}" stroke="#000" stroke-width="0.8"><title>${escapeHtml(s[i].date)}: ${pct(returns[i])} (VaR ${pct(v[i])})</title></circle>`,
    ),
    '</g>',
  ];
  const l = m.levels['0.99'];
  return figure(
    id,
    `${model}: returns against −VaR 99 %`,
    `${l.exceptions} exceptions in ${n} days (${l.trafficLight.zone} zone: ${l.trafficLight.exceptions} in the last ${l.trafficLight.days}); mean VaR ${pct(m.meanVar)}.`,
    pl,
    body.join(''),
  );
}
