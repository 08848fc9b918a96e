/**
 * Inline SVG charts for the self-contained HTML reports: no script, no external file, so a report
 * opens from disk or a CI artifact store the same way.
 */

const W = 720;
const H = 260;
const PAD = { left: 60, right: 16, top: 28, bottom: 44 };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function frame(title: string, xLabel: string, yLabel: string, yMax: number, body: string, xTicks: string): string {
  const plotH = H - PAD.top - PAD.bottom;
  const yTicks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => {
      const y = PAD.top + plotH * (1 - f);
      return `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
        `<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" font-size="11">${fmt(yMax * f)}</text>`;
    })
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}" font-family="sans-serif">
<text x="${W / 2}" y="16" text-anchor="middle" font-size="13" font-weight="bold">${escapeHtml(title)}</text>
${yTicks}
${body}
${xTicks}
<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#333"/>
<line x1="${PAD.left}" x2="${PAD.left}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#333"/>
<text x="${W / 2}" y="${H - 6}" text-anchor="middle" font-size="11">${escapeHtml(xLabel)}</text>
<text x="14" y="${H / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 14 ${H / 2})">${escapeHtml(yLabel)}</text>
</svg>`;
}

export interface Bar {
  readonly from: number;
  readonly to: number;
  readonly count: number;
}

/** A histogram: equal-width bins, x in the bins' unit. */
export function histogramSvg(title: string, xLabel: string, bins: readonly Bar[]): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const yMax = Math.max(1, ...bins.map((b) => b.count));
  const bw = plotW / Math.max(1, bins.length);
  const bars = bins
    .map((b, i) => {
      const h = (b.count / yMax) * plotH;
      return `<rect x="${(PAD.left + i * bw + 1).toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${Math.max(1, bw - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="#4a7fb5"><title>${fmt(b.from)}-${fmt(b.to)}: ${b.count}</title></rect>`;
    })
    .join('');
  const step = Math.max(1, Math.ceil(bins.length / 8));
  const ticks = bins
    .map((b, i) => (i % step === 0 ? `<text x="${(PAD.left + i * bw).toFixed(1)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${fmt(b.from)}</text>` : ''))
    .join('');
  return frame(title, xLabel, 'requests', yMax, bars, ticks);
}

/** One or more series over a shared x axis (e.g. seconds). */
export function lineSvg(title: string, xLabel: string, yLabel: string, series: ReadonlyArray<{ name: string; color: string; points: ReadonlyArray<readonly [number, number]> }>): string {
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map(([x]) => x));
  const yMax = Math.max(1e-9, ...all.map(([, y]) => y)) * 1.1;
  const px = (x: number) => (PAD.left + (x / xMax) * plotW).toFixed(1);
  const py = (y: number) => (PAD.top + plotH - (y / yMax) * plotH).toFixed(1);
  const lines = series
    .map((s, k) => {
      const d = s.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${px(x)},${py(y)}`).join(' ');
      return `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"/>` +
        `<text x="${W - PAD.right - 4}" y="${PAD.top + 12 + k * 13}" text-anchor="end" font-size="11" fill="${s.color}">${escapeHtml(s.name)}</text>`;
    })
    .join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text x="${px(xMax * f)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${fmt(xMax * f)}</text>`)
    .join('');
  return frame(title, xLabel, yLabel, yMax, lines, ticks);
}
