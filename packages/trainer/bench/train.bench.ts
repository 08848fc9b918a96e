/**
 * Training benchmark: fit seconds and test accuracy for the seed and default configurations, and
 * scikit-learn's fit of the seed pipeline in the same run (shared/baselines/train_seed.py) where
 * Debian's python3-sklearn is installed, printed as ratios (absolute times drift 20-30% between runs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, loadNewsgroups, train } from '../src/index.js';
import { pythonWithSklearn } from './python.js';

const BASELINES = fileURLToPath(new URL('../../../../shared/baselines/', import.meta.url));
const configs = (process.env.BENCH_CONFIGS ?? 'seed,default').split(',');

const data = await loadNewsgroups();
const rows: Array<{ name: string; fitSeconds: number; accuracy: number; terms: number; mb: number; iterations: number }> = [];
for (const name of configs) {
  const config = await loadConfig(name);
  const out = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const r = await train({ config, outDir: out, data });
  rows.push({
    name,
    fitSeconds: r.fitSeconds,
    accuracy: r.metrics.accuracy,
    terms: r.manifest.featurizer?.vocabularySize ?? 0,
    mb: r.modelBytes / 1e6,
    iterations: r.manifest.training?.iterations ?? 0,
  });
  console.log(`${name}: fit ${r.fitSeconds.toFixed(1)} s, accuracy ${(100 * r.metrics.accuracy).toFixed(2)}%, ${rows.at(-1)?.terms} terms, model.onnx ${rows.at(-1)?.mb.toFixed(1)} MB, ${rows.at(-1)?.iterations} iterations`);
}

const python = pythonWithSklearn();
let sklearn: { fit_s: number; accuracy: number } | undefined;
if (python) {
  const out = mkdtempSync(join(tmpdir(), 'bench-sklearn-'));
  const r = spawnSync(python, [join(BASELINES, 'train_seed.py'), out], { cwd: BASELINES, encoding: 'utf8' });
  if (r.status === 0) sklearn = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  else console.log(`scikit-learn baseline failed: ${r.stderr.split('\n').slice(-3).join(' ')}`);
} else {
  console.log('scikit-learn baseline skipped: no python3 with scikit-learn (apt-get install python3-sklearn)');
}

console.log('\nconfig    fit s   accuracy   vs scikit-learn fit (seed pipeline)');
for (const r of rows) {
  const ratio = sklearn ? `${(sklearn.fit_s / r.fitSeconds).toFixed(2)}x as fast` : 'n/a';
  console.log(`${r.name.padEnd(9)} ${r.fitSeconds.toFixed(1).padStart(5)}   ${(100 * r.accuracy).toFixed(2)}%     ${ratio}`);
}
if (sklearn) console.log(`sklearn   ${sklearn.fit_s.toFixed(1).padStart(5)}   ${(100 * sklearn.accuracy).toFixed(2)}%`);
