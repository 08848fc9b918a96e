import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ConfigError, TOKEN_PATTERN, TrainerError, loadNewsgroups, tokenizerGraph, train, trainConfigSchema } from '../src/index.js';
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

describe('train learns only words the serving graph can produce', () => {
  it('splits at a letter the graph does not know (U+1C89, newer than its Unicode tables), as the graph does', async () => {
    // Posts that join two words with the letter: JavaScript lowercases and keeps it, the graph does not.
    // (Set on the loaded texts: the archive is read as Latin-1, as scikit-learn reads 20 Newsgroups.)
    const loaded = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const join2 = (texts: readonly string[]) => texts.map((t) => t.replace(/ and /g, ' car\u1c89orbit '));
    const data = { ...loaded, train: { ...loaded.train, texts: join2(loaded.train.texts) }, test: { ...loaded.test, texts: join2(loaded.test.texts) } };
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    await train({ config: config(), outDir: out, data });

    const model = onnxProto.onnx.ModelProto.decode(await readFile(join(out, 'model.onnx')));
    const encoder = model.graph?.node?.find((n) => n.opType === 'LabelEncoder' && n.attribute?.some((a) => a.name === 'keys_strings'));
    const attr = (name: string) => encoder?.attribute?.find((a) => a.name === name);
    const keys = (attr('keys_strings')?.strings ?? []).map((b) => new TextDecoder().decode(b));
    const values = (attr('values_int64s')?.ints ?? []).map(Number);
    const features = keys.filter((_, i) => (values[i] as number) >= 0);

    const session = await ort.InferenceSession.create(tokenizerGraph({ lowercase: true, tokenPattern: TOKEN_PATTERN }));
    const texts = [...data.train.texts];
    const grid = (await session.run({ text: new ort.Tensor('string', texts, [texts.length]) })).tokens as ort.Tensor;
    await session.release();
    const graphTokens = new Set((grid.data as string[]).filter((t) => t !== '#'));
    expect(features.length).toBeGreaterThan(0);
    expect(features.filter((f) => !graphTokens.has(f))).toEqual([]);
    expect(features).toContain('orbit');
  });
});
