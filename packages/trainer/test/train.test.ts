import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
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

describe('train writes the artifact as one unit', () => {
  it('keeps the previous model.onnx and manifest.json byte for byte when a file cannot be written, and leaves no temporary file', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    await train({ config: config(), outDir: out, data });
    const before = { model: await readFile(join(out, 'model.onnx')), manifest: await readFile(join(out, 'manifest.json')) };
    // A directory on the manifest's temporary name: writing it fails after the model's was written.
    await mkdir(join(out, 'manifest.json.tmp'));
    // Another C, so a new model.onnx would differ from the old one.
    const run = train({ config: config({}, { C: [1] }), outDir: out, data });
    await expect(run).rejects.toThrow(TrainerError);
    await expect(run).rejects.toThrow(/cannot write the artifact to .*; the previous artifact, if any, is unchanged/);
    expect(await readFile(join(out, 'model.onnx'))).toEqual(before.model);
    expect(await readFile(join(out, 'manifest.json'))).toEqual(before.manifest);
    expect((await readdir(out)).sort()).toEqual(['manifest.json', 'manifest.json.tmp', 'model.onnx', 'report.html']);
  });
});

describe('train checks its output folder before loading any data', () => {
  it('refuses a folder under a file, and an empty one, without reading the archive', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'train-'));
    await writeFile(join(dir, 'file'), '');
    // No data and no archive: the check must fail before loading tries the (missing) archive.
    const missing = join(dir, 'no-such-archive.tar.gz');
    await expect(train({ config: config(), outDir: join(dir, 'file', 'sub'), archive: missing })).rejects.toThrow(
      /cannot write the artifact to .*file\/sub: .*file is not a directory/,
    );
    await expect(train({ config: config(), outDir: '', archive: missing })).rejects.toThrow(/--out is empty/);
  });
});

describe('train records how the fit stopped', () => {
  it('records a fit stopped by the plateau rule as not converged, with the reason in report.html', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = join(await mkdtemp(join(tmpdir(), 'train-')), 'out');
    // Any progress below 90% over one iteration counts as a plateau: the fit stops at once.
    const result = await train({ config: config({}, { maxIter: 100, tol: 1e-12, plateau: { iterations: 1, tol: 0.9 } }), outDir: out, data });
    expect(result.stopReason).toBe('plateau');
    expect(result.manifest.training?.converged).toBe(false);
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('not converged (stopped by the plateau rule)');
  });
});
