// The page shell every HTML output shares (run report, history page, portfolio index): one file, inline style, no
// script, and a Content-Security-Policy that forbids every request, so a page works offline and leaks nothing.
import { utc } from './format.ts';
import { CSP, STYLE } from './style.ts';
import { escapeHtml } from './svg.ts';
import { VARSTREAM_VERSION } from './version.ts';

export interface PageOptions {
  /** escaped here */
  title: string;
  /** trusted HTML: header, main and anything between */
  body: string;
  /** what the footer calls the page ("report", "history"; none for the index) */
  kind?: string;
  generatedAt?: string;
}

/**
 * @example htmlPage({ title: 'tech11 VaR history', body: '<main>…</main>', kind: 'history' })
 */
export function htmlPage({ title, body, kind, generatedAt }: PageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
<footer>varstream ${escapeHtml(VARSTREAM_VERSION)}${kind ? ` ${kind}` : ''}${generatedAt ? ` · generated ${escapeHtml(utc(generatedAt))}` : ''}</footer>
</body>
</html>
`;
}
