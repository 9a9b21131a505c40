// The self-contained HTML report of a run: one file, no script, no external resource, charts drawn as inline SVG.
// Pure: takes the run JSON (plus its subject, an optional backtest and extra sections) and returns the HTML text.
// Reading order: what it is about (header), the answer (summary box), then the detail sections with a verdict each.
// Its parts: summary.ts (header and summary box), sections.ts (the built-in sections), distribution-chart.ts and
// charts.ts (the SVG charts).
import type { BacktestResult, BacktestSeries } from '../engine/backtest.ts';
import type { Histogram, RunResult } from '../engine/types.ts';
import { comparisonSection } from './comparison.ts';
import { attributionSection, backtestSection, factorSection, lassoSection, modelSection, residualSection, riskSection, stressSection } from './sections.ts';
import { headerHtml, summaryBox } from './summary.ts';
import { escapeHtml } from './svg.ts';
import { htmlPage } from './page.ts';

export type { Histogram };

/** What the report is about: who ran what on which file. Everything optional but the portfolio. */
export interface ReportSubject {
  portfolioId: string;
  runId?: string;
  input?: { bucket?: string; key: string; versionId?: string; etag?: string };
  /** when the run started (ISO, shown in UTC) */
  createdAt?: string;
  /** the run's effective settings (shown generically: the model line and every setting that differs from its default) */
  settings?: Record<string, unknown>;
  /** the portfolio's previous successful run, for the change column */
  previous?: PreviousRun;
}

export interface PreviousRun {
  runId: string;
  createdAt: string;
  window?: { start: string; end: string };
  risk: Record<string, { var: number; es: number }>;
}

/** One detail section: a heading, an optional one-line verdict and its HTML body. The hook for added sections. */
export interface ReportSection {
  id: string;
  title: string;
  verdict?: { text: string; ok: boolean };
  html: string;
}

export interface ReportExtras {
  /** overrides `run.histogram` when given */
  histogram?: Histogram;
  backtest?: BacktestResult & { series?: BacktestSeries };
  /** the header's subject (portfolio, input, run id, time, settings); defaults to the run's CSV column */
  subject?: ReportSubject;
  /** sections added after the built-in ones and before the backtest (e.g. a model comparison) */
  sections?: ReportSection[];
  /** ISO timestamp shown in the footer; omitted when absent so the HTML is reproducible */
  generatedAt?: string;
  /** shown in the title; defaults to "<portfolio> VaR report <window end>" */
  title?: string;
}

export function renderReport(run: RunResult, extras: ReportExtras = {}): string {
  const histogram = extras.histogram ?? run.histogram;
  const subject = extras.subject ?? { portfolioId: run.portfolio };
  const title = extras.title ?? `${subject.portfolioId} VaR report ${run.window.end}`;
  const sections: Array<ReportSection | undefined> = [
    modelSection(run, subject.settings),
    riskSection(run, histogram),
    factorSection(run),
    lassoSection(run),
    residualSection(run),
    attributionSection(run),
    stressSection(run),
    ...(extras.sections ?? []),
    extras.backtest ? backtestSection(extras.backtest) : undefined,
    run.backtest ? comparisonSection(run.backtest) : undefined,
  ];
  return htmlPage({
    title,
    body: `${headerHtml(run, subject)}
<main>
${summaryBox(run, subject, extras.backtest)}
${sections.filter((s): s is ReportSection => !!s).map(sectionHtml).join('\n')}
</main>`,
    kind: 'report',
    generatedAt: extras.generatedAt,
  });
}

export function sectionHtml(s: ReportSection): string {
  const verdict = s.verdict ? `<p class="verdict ${s.verdict.ok ? 'ok' : 'bad'}">${escapeHtml(s.verdict.text)}</p>` : '';
  return `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${verdict}\n${s.html}</section>`;
}
