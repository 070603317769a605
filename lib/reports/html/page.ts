import { escapeXml } from '../format';

/**
 * The page forbids every fetch and script (CSP default-src 'none'): the report must be readable offline,
 * from an e-mail attachment or an S3 download, and data in it can never run code.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root{--ink:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f5f7fa;--card:#fff;--accent:#f28e2b;--good:#2e7d32;--bad:#c62828;--warn:#b26a00}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header.top{background:#1f2933;color:#fff;padding:24px 32px}
header.top h1{margin:0 0 4px;font-size:22px;font-weight:600;overflow-wrap:anywhere}
header.top p{margin:0;color:#cbd2d9}
header.top .facts dt{color:#9aa5b1}header.top .facts dd{color:#fff}header.top a{color:#9fd3ff}
main{max-width:1280px;margin:0 auto;padding:16px 32px 48px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:16px 0}
h2{font-size:17px;margin:0 0 12px;font-weight:600}
h3{font-size:14px;margin:16px 0 8px;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:8px 24px;margin:12px 0 0}
.facts div{min-width:0}.facts dt{font-size:12px;color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:rgba(127,127,127,.12);padding:1px 4px;border-radius:3px;overflow-wrap:anywhere}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f8f9fb;border:1px solid var(--line);border-radius:6px;padding:8px 12px;margin:8px 0;font:12px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}
caption{text-align:left;color:var(--muted);padding:4px 0}
th,td{padding:6px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top;overflow-wrap:break-word}
td:first-child{max-width:320px;overflow-wrap:anywhere}
th{background:#f0f2f5;font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.best td{background:#fff4e6}tr.bad td{background:#fdecea}
td.empty{color:var(--muted);text-align:center}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.badge.good{background:#e8f5e9;color:var(--good)}.badge.bad{background:#fdecea;color:var(--bad)}
.badge.warn{background:#fff4e0;color:var(--warn)}.badge.neutral{background:#eef1f4;color:var(--muted)}
.chips{display:flex;flex-wrap:wrap;gap:4px}.chips code{background:#eef1f4}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:16px;align-items:start}
.charts.wide{grid-template-columns:1fr}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;min-width:0}
figcaption{color:var(--muted);font-size:12px;margin-top:4px}
svg.chart{display:block;max-width:100%;height:auto}
.muted{color:var(--muted)}
.panel{min-width:0}.panel h3{margin-top:0}
.split{display:flex;height:10px;border-radius:5px;overflow:hidden;margin:6px 0;max-width:480px}
.split span{display:block}
.split-key{display:flex;gap:16px;font-size:12px;color:var(--muted)}
.split-key i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
@media print{body{background:#fff}section{break-inside:avoid;border:none}header.top{background:#fff;color:#000}}
`;

export function htmlPage({ title, header, sections }: { title: string; header: string; sections: string[] }): string {
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8" />' +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}" />` +
    '<meta name="viewport" content="width=device-width, initial-scale=1" />' +
    `<title>${escapeXml(title)}</title><style>${CSS}</style></head>` +
    `<body><header class="top">${header}</header><main>${sections.join('\n')}</main></body></html>\n`
  );
}
