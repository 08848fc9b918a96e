import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CONFIGS, ConfigError, loadConfig } from '../src/index.js';

/** Writes a config file with these featurizer settings and loads it. */
async function load(featurizer: Record<string, unknown>) {
  const path = join(await mkdtemp(join(tmpdir(), 'config-')), 'config.json');
  await writeFile(path, JSON.stringify({ name: 'x', featurizer, model: { C: [1] } }));
  return loadConfig(path);
}

describe('loadConfig', () => {
  it('loads the built-in configs', async () => {
    for (const name of BUILTIN_CONFIGS) expect((await loadConfig(name)).name).toBe(name);
  });

  it('refuses n-grams longer than the ONNX export supports, naming the field, before any training', async () => {
    const refused = load({ ngramRange: [1, 3] });
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(/featurizer\.ngramRange: .*1- and 2-grams/);
    await expect(load({ ngramRange: [1, 2] })).resolves.toBeDefined();
  });

  it('keeps the other n-gram rules: min <= max, no stop-word removal with n-grams', async () => {
    await expect(load({ ngramRange: [2, 1] })).rejects.toThrow(/featurizer\.ngramRange: must be \[min, max\] with min <= max/);
    await expect(load({ ngramRange: [1, 2], stopWords: 'english' })).rejects.toThrow(/featurizer\.stopWords: n-grams with stop-word removal/);
  });

  it('refuses a maxDf below minDf when both are proportions or both counts', async () => {
    await expect(load({ minDf: 0.5, maxDf: 0.2 })).rejects.toThrow(ConfigError);
    await expect(load({ minDf: 0.5, maxDf: 0.2 })).rejects.toThrow(/featurizer\.maxDf: maxDf 0\.2 is below minDf 0\.5/);
    await expect(load({ minDf: 5, maxDf: 3 })).rejects.toThrow(/featurizer\.maxDf/);
    // A count against a proportion depends on the corpus size: left to the vectorizer (tfidf.test.ts).
    await expect(load({ minDf: 5, maxDf: 0.2 })).resolves.toBeDefined();
  });

  it('refuses unknown keys, naming them and the camelCase key a snake_case one meant', async () => {
    const path = join(await mkdtemp(join(tmpdir(), 'config-')), 'config.json');
    // The reviewer's case: every setting misspelt, so it trained on the defaults without a warning.
    await writeFile(path, JSON.stringify({ name: 'x', featurizer: { min_df: 5, sublinear_tf: true }, model: { C: [1], max_iter: 50 } }));
    const refused = loadConfig(path);
    await expect(refused).rejects.toThrow(ConfigError);
    await expect(refused).rejects.toThrow(/featurizer\.min_df: unknown key \(did you mean minDf\?\)/);
    await expect(refused).rejects.toThrow(/featurizer\.sublinear_tf: unknown key \(did you mean sublinearTf\?\)/);
    await expect(refused).rejects.toThrow(/model\.max_iter: unknown key \(did you mean maxIter\?\)/);
    // Nested and top-level objects too; a key that resembles none lists the known ones.
    await writeFile(path, JSON.stringify({ name: 'x', featurizer: {}, model: { C: [1], plateau: { iters: 5, tol: 1e-4 } } }));
    await expect(loadConfig(path)).rejects.toThrow(/model\.plateau\.iters: unknown key \(known keys: iterations, tol\)/);
    await writeFile(path, JSON.stringify({ name: 'x', featurizer: {}, model: { C: [1] }, seed: 1 }));
    await expect(loadConfig(path)).rejects.toThrow(/config .*: seed: unknown key/);
  });
});
