// The one style sheet of the report and the history page (inline: the CSP allows inline styles and nothing else).
export const CSP = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`;

export const STYLE = `
:root{color-scheme:light;--fg:#1b1f24;--muted:#5b6570;--line:#d0d7de;--bg:#fff;--ok:#1a7f37;--bad:#b42318;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1040px;margin:0 auto;padding:0 16px}
header{padding-top:14px}
.kicker{margin:0;color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.06em}
h1{font-size:1.45rem;margin:0 0 6px}
h2{font-size:1.15rem;margin:26px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
.meta,footer,figcaption,.small{color:var(--muted);font-size:.85rem}
footer{padding:24px 16px}
a{color:#0969da}
dl.subject{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(440px,100%),1fr));gap:0 20px;margin:0;font-size:.82rem;line-height:1.4}
dl.subject div{display:flex;gap:8px;padding:2px 0;min-width:0}
dl.subject dt{font-weight:600;min-width:5.5em;color:var(--muted)}
dl.subject dd{margin:0;overflow-wrap:anywhere}
.summary{border:2px solid #8c959f;border-radius:8px;padding:8px 14px 6px;margin:12px 0 4px}
.summary h2{margin:0 0 4px;border:0;padding:0}
.summary table{margin:4px 0}
.summary .big{font-size:1rem;font-weight:600}
.verdict{margin:4px 0 8px;font-weight:600}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;font-size:.85rem;font-variant-numeric:tabular-nums;margin:8px 0;min-width:100%}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:right;white-space:nowrap}
th:first-child,td:first-child{text-align:left}
thead th{background:#f6f8fa}
td.text{text-align:left;white-space:normal}
dl.kv{display:grid;grid-template-columns:repeat(auto-fit,minmax(280px,1fr));gap:0 24px;margin:8px 0;font-size:.9rem}
dl.kv div{display:flex;gap:12px;border-bottom:1px solid var(--line);padding:4px 0}
dl.kv dt{font-weight:600;min-width:9.5em}
dl.kv dd{margin:0;font-variant-numeric:tabular-nums}
.ok{color:var(--ok);font-weight:600}
.bad{color:var(--bad);font-weight:600}
.warnings{margin:4px 0;padding-left:20px;font-size:.85rem}
.warnings li{color:var(--bad)}
.warnings li.none{color:var(--ok);list-style:none;margin-left:-20px}
.zone{display:inline-block;padding:0 8px;border-radius:9px;color:#fff;font-weight:600}
.zone.green{background:#1a7f37}.zone.yellow{background:#bf8700}.zone.red{background:#b42318}
figure.chart{margin:12px 0 20px}
figure.chart svg{display:block;width:100%;height:auto;max-width:100%}
#chart-qq svg{max-width:560px}
svg text{font:12px system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;fill:#1b1f24}
svg .tick{fill:#5b6570;font-size:11px}
svg .label{font-size:12px;fill:#1b1f24}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .frame{fill:none;stroke:#8c959f;stroke-width:1}
svg .zero{stroke:#8c959f;stroke-width:1}
svg .bar{fill:#9ecae1}
svg .dot{fill:#1f77b4;fill-opacity:.75}
svg .legend text{font-size:11.5px}
@media (max-width:600px){body{font-size:14px}h1{font-size:1.2rem}th,td{padding:3px 5px}}
@page{margin:12mm}
@media print{
body{font-size:9pt;line-height:1.35}
header,main,footer{max-width:none;padding:0}
h1{font-size:14pt}h2{font-size:11pt;margin:12px 0 4px}
table{font-size:8pt;margin:4px 0}th,td{padding:1px 5px}
.table-wrap{overflow:visible}thead th{background:none}a{color:inherit;text-decoration:none}
dl.subject{grid-template-columns:1fr 1fr}
figure.chart,.summary,table,dl,.verdict{break-inside:avoid}
h2{break-after:avoid}
figure.chart{width:64%;margin:4px auto 8px}
#chart-qq{width:48%}
figcaption{font-size:7.5pt}
footer{padding:8px 0}
}
`;
