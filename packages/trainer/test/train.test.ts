import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, TrainerError, loadNewsgroups, train, trainConfigSchema } from '../src/index.js';
import { makeArchive, tinyCorpus } from './helpers/fixtures.js';

const config = (featurizer: Record<string, unknown> = {}, model: Record<string, unknown> = {}) =>
  trainConfigSchema.parse({ name: 'tiny', featurizer, model: { C: [10], maxIter: 30, ...model } });

describe('train refuses to write an artifact inference would reject', () => {
  it('stops with a ConfigError when pruning leaves no terms (no manifest with vocabularySize 0)', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    // Between 5.4 and 5.7 of the 6 train posts: no word can be in a fractional number of posts.
    const run = train({ config: config({ minDf: 0.9, maxDf: 0.95 }), outDir: out, data });
    await expect(run).rejects.toThrow(ConfigError);
    await expect(run).rejects.toThrow(/no terms remain/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('validates the manifest with the artifact schema before writing anything', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    // A field the schema rejects: the archive digest must be lowercase hex.
    const bad = { ...data, archive: { ...data.archive, sha256: 'not-a-digest' } };
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    const run = train({ config: config(), outDir: out, data: bad });
    await expect(run).rejects.toThrow(TrainerError);
    await expect(run).rejects.toThrow(/the trained manifest is not a valid manifest: data\.sha256: .*; nothing written/);
    await expect(readdir(out)).rejects.toThrow(/ENOENT/);
  });

  it('writes a model, a manifest and a report when the manifest is valid', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    await train({ config: config(), outDir: out, data });
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'model.onnx', 'report.html']);
  });
});
