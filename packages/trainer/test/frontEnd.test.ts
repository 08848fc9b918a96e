import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { FRONT_END, FRONT_END_BIGRAMS, loadNewsgroups, POST_SUMS, train, trainConfigSchema } from '../src/index.js';
import { makeArchive, tinyCorpus } from './helpers/fixtures.js';

/** Names every node of the exported graph produces. */
async function producedTensors(dir: string): Promise<Set<string>> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
  return new Set((model.graph?.node ?? []).flatMap((n) => n.output ?? []));
}

/** The exported graph's float initializers by name, with their dims. */
async function floatInitializers(dir: string): Promise<Map<string, number[]>> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
  const float = onnxProto.onnx.TensorProto.DataType.FLOAT;
  return new Map((model.graph?.initializer ?? []).filter((t) => t.dataType === float).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
}

/** The per-post sums and their tables are in the graph, the tables float [V] and [V, C]. */
async function expectPostSums(dir: string, vocabularySize: number, classes: number) {
  expect((await producedTensors(dir)).has(POST_SUMS.sums)).toBe(true);
  const floats = await floatInitializers(dir);
  expect(floats.get(POST_SUMS.idf)).toEqual([vocabularySize]);
  expect(floats.get(POST_SUMS.coef)).toEqual([vocabularySize, classes]);
}

describe('the front end a server may mirror (manifest frontEnd)', () => {
  it('is declared for a unigram model, naming tensors the graph really has, with the vocabulary size as key stride', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = await mkdtemp(join(tmpdir(), 'front-end-'));
    const config = trainConfigSchema.parse({ name: 'uni', featurizer: {}, model: { C: [10], maxIter: 30 } });
    const { manifest } = await train({ config, outDir: out, data });
    expect(manifest.frontEnd).toEqual({ ...FRONT_END, keyStride: manifest.featurizer?.vocabularySize, postSums: POST_SUMS });
    const produced = await producedTensors(out);
    for (const name of Object.values(FRONT_END)) expect(produced.has(name)).toBe(true);
    await expectPostSums(out, manifest.featurizer?.vocabularySize as number, manifest.labels.length);
  });

  it('is declared for a 1-2 gram model with its word ids and bigram tables, naming tensors the graph has', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = await mkdtemp(join(tmpdir(), 'front-end-'));
    const config = trainConfigSchema.parse({ name: 'bi', featurizer: { ngramRange: [1, 2] }, model: { C: [10], maxIter: 30 } });
    const { manifest } = await train({ config, outDir: out, data });
    expect(manifest.frontEnd).toEqual({
      ...FRONT_END,
      termIds: FRONT_END_BIGRAMS.wordIds,
      bigrams: { unigramOfWord: FRONT_END_BIGRAMS.unigramOfWord, bigramIds: FRONT_END_BIGRAMS.bigramIds },
      keyStride: manifest.featurizer?.vocabularySize,
      postSums: POST_SUMS,
    });
    await expectPostSums(out, manifest.featurizer?.vocabularySize as number, manifest.labels.length);
    const produced = await producedTensors(out);
    for (const name of [FRONT_END.tokens, FRONT_END.postCount, FRONT_END.termKeys, FRONT_END.termCounts, FRONT_END_BIGRAMS.wordIds, FRONT_END_BIGRAMS.bigramIds]) {
      expect(produced.has(name)).toBe(true);
    }
  });
});
