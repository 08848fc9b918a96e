import { escapeHtml } from './svg.js';

export interface ReportSection {
  readonly heading: string;
  /** Trusted markup produced by this app (SVG charts). */
  readonly svg?: string;
  /** Key figures shown as a table; values are escaped. */
  readonly figures?: Readonly<Record<string, string | number>>;
}

/** A self-contained HTML page: inline CSS and SVG only, no scripts, no external resources. */
export function renderHtmlReport(title: string, subtitle: string, sections: readonly ReportSection[]): string {
  const body = sections
    .map((s) => {
      const table = s.figures
        ? `<table>${Object.entries(s.figures)
            .map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(String(v))}</td></tr>`)
            .join('')}</table>`
        : '';
      return `<section><h2>${escapeHtml(s.heading)}</h2>${table}${s.svg ?? ''}</section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<style>body{font-family:sans-serif;max-width:760px;margin:24px auto;color:#222}table{border-collapse:collapse;margin:8px 0}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f3f3f3}p.sub{color:#666}</style>
</head><body><h1>${escapeHtml(title)}</h1><p class="sub">${escapeHtml(subtitle)}</p>
${body}
</body></html>
`;
}
