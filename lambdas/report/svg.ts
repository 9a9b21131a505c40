// A few inline-SVG primitives for the report: linear scales, nice ticks, axes and a titled figure. No chart library so
// the report stays one offline file.

/** Escapes text for HTML/SVG content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A number as an SVG coordinate: 2 decimals are far below a pixel. */
export function c(x: number): string {
  return Number.isFinite(x) ? (Math.round(x * 100) / 100).toString() : '0';
}

export type Scale = (v: number) => number;

export function linear(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** Round tick values covering [min, max] (about `count` of them). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
  if (!Number.isFinite(step) || step <= 0) return [min];
  // tick i is (first + i)·step, not a running sum: `t += step` stalls forever once step is below t's ulp
  const first = Math.ceil(min / step);
  const ticks: number[] = [];
  for (let i = 0; i <= 4 * count; i++) {
    const t = (first + i) * step;
    if (t > max + step * 1e-9) break;
    if (ticks.length > 0 && t === ticks[ticks.length - 1]) break; // below the ulp: no further distinct tick
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  }
  return ticks.length > 0 ? ticks : [min];
}

/** Expands [min, max] by a fraction on each side; a degenerate range becomes ±1 around it. */
export function pad(min: number, max: number, fraction = 0.05): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max === min) return [min - (Math.abs(min) || 1) * 0.5, max + (Math.abs(max) || 1) * 0.5];
  const d = (max - min) * fraction;
  return [min - d, max + d];
}

export function extent(values: Iterable<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 1];
}

export function formatTick(v: number, step: number): string {
  const decimals = Math.max(0, Math.min(8, -Math.floor(Math.log10(Math.abs(step) || 1)) + (Math.abs(step) < 1 ? 1 : 0)));
  return v.toFixed(decimals);
}

export interface LegendItem {
  label: string;
  color: string;
  dash?: string;
  marker?: boolean;
}

export interface Plot {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
  x: Scale;
  y: Scale;
  xDomain: [number, number];
  yDomain: [number, number];
  /** the legend, laid out in a band above the plot area so it never hides data */
  legend: string;
}

const LEGEND_ROW = 18;

/** Plot area with room for the legend above it; the total height grows with the legend's rows. */
export function plot(
  xDomain: [number, number],
  yDomain: [number, number],
  size: { width?: number; height?: number; left?: number; legend?: LegendItem[] } = {},
): Plot {
  const width = size.width ?? 720, left = size.left ?? 64, right = width - 16;
  const { svg, rows } = layoutLegend(size.legend ?? [], left, right);
  const top = 12 + rows * LEGEND_ROW;
  const height = (size.height ?? 320) + rows * LEGEND_ROW;
  const bottom = height - 44;
  return { width, height, left, right, top, bottom, xDomain, yDomain, legend: svg, x: linear(xDomain, [left, right]), y: linear(yDomain, [bottom, top]) };
}

function layoutLegend(items: LegendItem[], left: number, right: number): { svg: string; rows: number } {
  if (!items.length) return { svg: '', rows: 0 };
  const parts: string[] = ['<g class="legend">'];
  let x = left, row = 0;
  for (const it of items) {
    const w = 34 + it.label.length * 7.2;
    if (x > left && x + w > right) {
      x = left;
      row++;
    }
    const y = 14 + row * LEGEND_ROW;
    const sym = it.marker
      ? `<circle cx="${c(x + 9)}" cy="${c(y - 4)}" r="4" fill="${it.color}" stroke="#000" stroke-width="0.8"/>`
      : `<line x1="${c(x)}" x2="${c(x + 20)}" y1="${c(y - 4)}" y2="${c(y - 4)}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>`;
    parts.push(`${sym}<text x="${c(x + 25)}" y="${c(y)}">${escapeHtml(it.label)}</text>`);
    x += w;
  }
  parts.push('</g>');
  return { svg: parts.join(''), rows: row + 1 };
}

/** The ticks whose position falls inside [lo, hi] (half a pixel of slack), each with its position. */
function onAxis(ticks: number[], at: (v: number) => number, lo: number, hi: number): Array<[number, number]> {
  return ticks.map((t) => [t, at(t)] as [number, number]).filter(([, v]) => v >= lo - 0.5 && v <= hi + 0.5);
}

/** Frame, grid, ticks and axis labels. `xFormat`/`yFormat` override the tick labels. */
export function axes(
  p: Plot,
  labels: { x: string; y: string },
  opts: { xTicks?: number[]; yTicks?: number[]; xFormat?: (v: number) => string; yFormat?: (v: number) => string } = {},
): string {
  const xt = opts.xTicks ?? niceTicks(p.xDomain[0], p.xDomain[1], 6);
  const yt = opts.yTicks ?? niceTicks(p.yDomain[0], p.yDomain[1], 5);
  const xs = xt.length > 1 ? xt[1] - xt[0] : 1, ys = yt.length > 1 ? yt[1] - yt[0] : 1;
  const xf = opts.xFormat ?? ((v: number) => formatTick(v, xs));
  const yf = opts.yFormat ?? ((v: number) => formatTick(v, ys));
  const parts: string[] = [`<g class="axes">`];
  for (const [t, y] of onAxis(yt, p.y, p.top, p.bottom)) {
    parts.push(`<line class="grid" x1="${c(p.left)}" x2="${c(p.right)}" y1="${c(y)}" y2="${c(y)}"/>`);
    parts.push(`<text class="tick" x="${c(p.left - 6)}" y="${c(y + 4)}" text-anchor="end">${escapeHtml(yf(t))}</text>`);
  }
  for (const [t, x] of onAxis(xt, p.x, p.left, p.right)) {
    parts.push(`<line class="grid" x1="${c(x)}" x2="${c(x)}" y1="${c(p.top)}" y2="${c(p.bottom)}"/>`);
    parts.push(`<text class="tick" x="${c(x)}" y="${c(p.bottom + 16)}" text-anchor="middle">${escapeHtml(xf(t))}</text>`);
  }
  parts.push(`<rect class="frame" x="${c(p.left)}" y="${c(p.top)}" width="${c(p.right - p.left)}" height="${c(p.bottom - p.top)}"/>`);
  parts.push(`<text class="label" x="${c((p.left + p.right) / 2)}" y="${c(p.height - 6)}" text-anchor="middle">${escapeHtml(labels.x)}</text>`);
  parts.push(
    `<text class="label" transform="translate(14 ${c((p.top + p.bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeHtml(labels.y)}</text>`,
  );
  parts.push('</g>');
  return parts.join('');
}

export function polyline(points: Array<[number, number]>, attrs: string): string {
  const pts = points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b)).map(([a, b]) => `${c(a)},${c(b)}`);
  return pts.length ? `<polyline fill="none" points="${pts.join(' ')}" ${attrs}/>` : '';
}

/** Clip path id unique per figure so lines drawn past the plot area are cut at the frame. */
export function clip(id: string, p: Plot): string {
  return `<clipPath id="${id}"><rect x="${c(p.left)}" y="${c(p.top)}" width="${c(p.right - p.left)}" height="${c(p.bottom - p.top)}"/></clipPath>`;
}

/** A chart as a figure: the <svg> carries its own <title> (accessible name) and the figure a visible caption. */
export function figure(id: string, title: string, caption: string, p: Plot, body: string): string {
  return (
    `<figure class="chart" id="${id}">` +
    `<svg viewBox="0 0 ${p.width} ${p.height}" role="img" aria-labelledby="${id}-title" preserveAspectRatio="xMidYMid meet">` +
    `<title id="${id}-title">${escapeHtml(title)}</title>${p.legend}${body}</svg>` +
    `<figcaption><strong>${escapeHtml(title)}.</strong> ${escapeHtml(caption)}</figcaption></figure>`
  );
}

export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
