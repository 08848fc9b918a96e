import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { loadModel } from '../src/model/loadModel.js';
import { graphOutputNames, readGraph } from '../src/model/onnxWire.js';
import { pruneOutputs } from '../src/model/subgraph.js';
import { ARTICLE_EXAMPLE, trainedArtifactDir } from './helpers/artifacts.js';

const EXPLAIN = new Set(['logits', 'explain_post', 'explain_token', 'explain_contrib']);
/** Graph output names of a model, in order. */
function graphOutputs(model: Uint8Array): string[] {
  const g = readGraph(model);
  if (!g) throw new Error('the model has no graph');
  return graphOutputNames(g);
}

const TEXTS = [ARTICLE_EXAMPLE, '', 'hockey playoffs tonight', 'zzqx unknownword'];

describe('pruneOutputs on the trained graph', () => {
  it('drops the explanation outputs and their nodes, and predicts exactly as the whole graph', async () => {
    const bytes = readFileSync(join(trainedArtifactDir(), 'model.onnx'));
    const lean = pruneOutputs(bytes, EXPLAIN);
    expect(graphOutputs(bytes)).toEqual(expect.arrayContaining([...EXPLAIN, 'label', 'probabilities']));
    expect(graphOutputs(lean)).toEqual(graphOutputs(bytes).filter((o) => !EXPLAIN.has(o)));
    const [full, pruned] = await Promise.all([ort.InferenceSession.create(bytes), ort.InferenceSession.create(lean)]);
    const feeds = { text: new ort.Tensor('string', TEXTS, [TEXTS.length]) };
    const fetches = graphOutputs(lean);
    const [a, b] = await Promise.all([full.run(feeds, fetches), pruned.run(feeds, fetches)]);
    for (const name of fetches) expect(Array.from(b[name]?.data as ArrayLike<unknown>)).toEqual(Array.from(a[name]?.data as ArrayLike<unknown>));
    // Fewer nodes: the graph part of the file shrank although every initializer the plan needs stayed.
    expect(lean.length).toBeLessThan(bytes.length);
  });

  it('returns the same bytes when no named output exists', () => {
    const bytes = readFileSync(join(trainedArtifactDir(), 'model.onnx'));
    expect(pruneOutputs(bytes, new Set(['no_such_output']))).toBe(bytes);
  });
});

describe('loadModel with explanation outputs', () => {
  it('serves plain requests from the pruned graph and explanations from the whole one, created on demand', async () => {
    const model = await loadModel({ modelUri: join(trainedArtifactDir(), 'model.onnx') });
    expect(model.session.outputNames).not.toContain('explain_contrib');
    expect(model.explainSession).toBeDefined();
    const full = await model.explainSession?.();
    expect(full?.outputNames).toContain('explain_contrib');
    expect(await model.explainSession?.()).toBe(full);
  });
});
