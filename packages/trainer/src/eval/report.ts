import type { Manifest, Metrics } from '@org/classifier-artifact';
import { type LbfgsResult, describeStop } from '../model/lbfgs.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

/**
 * A self-contained HTML page (inline SVG and CSS, no scripts, no network) for one trained model.
 * `fit.stopReason` is shown here because the manifest's schema has no field for it.
 */
export function renderReport(manifest: Manifest, fit: { stopReason?: LbfgsResult['reason'] } = {}): string {
  const m = manifest.metrics;
  if (!m) throw new Error('the manifest has no metrics to report');
  const t = manifest.training;
  const stop = t ? (fit.stopReason ? describeStop(t.converged, fit.stopReason) : t.converged ? 'converged' : 'not converged') : undefined;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(manifest.name)} ${esc(manifest.version)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#222}
table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child{text-align:left}.kpi{font-size:1.6rem;margin-right:2rem}
</style></head><body>
<h1>${esc(manifest.name)} <small>${esc(manifest.version)}</small></h1>
<p><span class="kpi">accuracy ${pct(m.accuracy)}</span><span class="kpi">macro-F1 ${pct(m.macroF1)}</span>
${m.testPosts} test posts; configuration <code>${esc(manifest.training?.config ?? 'unknown')}</code>,
C=${manifest.training?.C ?? '?'}, ${manifest.featurizer?.vocabularySize ?? '?'} terms; created ${esc(manifest.createdAt)}.</p>
${t && stop ? `<p class="fit">fit: ${t.iterations} of at most ${t.maxIter} iterations, ${esc(stop)}, ${t.fitSeconds} s.</p>\n` : ''}
<h2>Confusion matrix</h2>
${heatmap(m, manifest.labels)}
<h2>Per class</h2>
<table><thead><tr><th>label</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>
${m.perClass.map((c) => `<tr><td>${esc(c.label)}</td><td>${pct(c.precision)}</td><td>${pct(c.recall)}</td><td>${pct(c.f1)}</td><td>${c.support}</td></tr>`).join('\n')}
</tbody></table>
</body></html>
`;
}

/** Rows are the true class, columns the predicted one; colour is the share of the row. */
function heatmap(m: Metrics, labels: readonly string[]): string {
  const cell = 26;
  const left = 190;
  const top = 190;
  const K = labels.length;
  const size = K * cell;
  const rects: string[] = [];
  m.confusion.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((v, j) => {
      const share = v / total;
      const light = Math.round(97 - 62 * share);
      rects.push(
        `<rect x="${left + j * cell}" y="${top + i * cell}" width="${cell}" height="${cell}" fill="hsl(210,70%,${light}%)"><title>${esc(labels[i] as string)} -> ${esc(labels[j] as string)}: ${v}</title></rect>`,
      );
      if (v > 0) {
        rects.push(
          `<text x="${left + j * cell + cell / 2}" y="${top + i * cell + cell / 2 + 4}" font-size="9" text-anchor="middle" fill="${share > 0.5 ? '#fff' : '#333'}">${v}</text>`,
        );
      }
    });
  });
  const rowLabels = labels.map((l, i) => `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" font-size="11" text-anchor="end">${esc(l)}</text>`);
  const colLabels = labels.map(
    (l, j) => `<text transform="translate(${left + j * cell + cell / 2 + 4},${top - 6}) rotate(-60)" font-size="11">${esc(l)}</text>`,
  );
  // The extra width on the right leaves room for the last column label, rotated up and to the right.
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="confusion matrix" width="${left + size + 140}" height="${top + size + 30}">
<text x="${left + size / 2}" y="${top + size + 22}" font-size="12" text-anchor="middle">predicted</text>
${rowLabels.join('\n')}
${colLabels.join('\n')}
${rects.join('\n')}
</svg>`;
}
