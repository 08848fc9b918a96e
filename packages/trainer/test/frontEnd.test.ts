import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { FRONT_END, FRONT_END_BIGRAMS, loadNewsgroups, train, trainConfigSchema } from '../src/index.js';
import { makeArchive, tinyCorpus } from './helpers/fixtures.js';

/** Names every node of the exported graph produces. */
async function producedTensors(dir: string): Promise<Set<string>> {
  const model = onnxProto.onnx.ModelProto.decode(await readFile(join(dir, 'model.onnx')));
  return new Set((model.graph?.node ?? []).flatMap((n) => n.output ?? []));
}

describe('the front end a server may mirror (manifest frontEnd)', () => {
  it('is declared for a unigram model, naming tensors the graph really has, with the vocabulary size as key stride', async () => {
    const data = await loadNewsgroups({ archive: await makeArchive(tinyCorpus()) });
    const out = await mkdtemp(join(tmpdir(), 'front-end-'));
    const config = trainConfigSchema.parse({ name: 'uni', featurizer: {}, model: { C: [10], maxIter: 30 } });
    const { manifest } = await train({ config, outDir: out, data });
    expect(manifest.frontEnd).toEqual({ ...FRONT_END, keyStride: manifest.featurizer?.vocabularySize });
    const produced = await producedTensors(out);
    for (const name of Object.values(FRONT_END)) expect(produced.has(name)).toBe(true);
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
    });
    const produced = await producedTensors(out);
    for (const name of [FRONT_END.tokens, FRONT_END.postCount, FRONT_END.termKeys, FRONT_END.termCounts, FRONT_END_BIGRAMS.wordIds, FRONT_END_BIGRAMS.bigramIds]) {
      expect(produced.has(name)).toBe(true);
    }
  });
});
