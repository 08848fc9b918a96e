import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../src/model/loadModel.js';
import { contributions, rowsByPost, topContributions } from '../src/predictor/explain.js';
import { Predictor, runParts } from '../src/predictor/Predictor.js';
import { TINY_INTERCEPT, TINY_LABELS } from './fixtures/tinyModel.js';
import { tinyArtifact } from './helpers/artifacts.js';

describe('Class: Predictor (tiny explain model)', () => {
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;
  let model: Awaited<ReturnType<typeof loadModel>>;
  let predictor: Predictor;
  beforeAll(async () => {
    tiny = await tinyArtifact('explain');
    model = await loadModel({ modelUri: tiny.modelPath });
    predictor = new Predictor(model);
  });
  afterAll(async () => {
    await model.session.release();
    await tiny.remove();
  });

  it('predicts one label per text with its probability, in input order', async () => {
    const { predictions } = await predictor.predict(['NASA rocket into orbit', 'bake it in the oven', 'the team scored a goal']);
    expect(predictions.map((p) => p.label)).toEqual(['space', 'cooking', 'sports']);
    for (const p of predictions) {
      expect(p.top).toEqual([{ label: p.label, probability: p.probability }]);
      expect(p.probability).toBeGreaterThan(0.5);
    }
  });

  it('returns topK labels sorted by probability, covering all classes when topK = C', async () => {
    const { predictions } = await predictor.predict(['rocket launch with the team'], { topK: 3 });
    const [p] = predictions;
    expect(p?.top.map((t) => t.label).sort()).toEqual([...TINY_LABELS].sort());
    const probs = p?.top.map((t) => t.probability) ?? [];
    expect([...probs].sort((a, b) => b - a)).toEqual(probs);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(p?.top[0]?.label).toBe(p?.label);
  });

  it('keeps the topK most probable labels, most probable first, ties in label order (property, against a sort)', () => {
    const labels = Array.from({ length: 20 }, (_, c) => `label-${c}`);
    const top = (Predictor.prototype as unknown as { topLabels: (p: Float32Array, base: number, k: number) => unknown }).topLabels.bind({ labels });
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0, 0.05, 0.1, 0.25, 0.5, 1), { minLength: 40, maxLength: 40 }), fc.integer({ min: 1, max: 20 }), (values, k) => {
        const probs = Float32Array.from(values);
        const order = labels.map((_, c) => c).sort((a, b) => (probs[20 + b] as number) - (probs[20 + a] as number) || a - b);
        expect(top(probs, 20, k)).toEqual(order.slice(0, k).map((c) => ({ label: labels[c], probability: probs[20 + c] })));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts empty strings (no tokens: the intercept decides) and an empty batch', async () => {
    const { predictions } = await predictor.predict(['', '   '], { explain: 5 });
    expect(predictions).toHaveLength(2);
    expect(predictions[0]?.label).toBe(TINY_LABELS[TINY_INTERCEPT.indexOf(Math.max(...TINY_INTERCEPT))]);
    expect(predictions[0]?.explanation).toEqual([]);
    expect((await predictor.predict([])).predictions).toEqual([]);
  });

  it('explains a batch run in parts as it explains it in one run', async () => {
    const texts = ['oven oven recipe nasa', 'NASA rocket into orbit', 'the team scored a goal', 'bake it in the oven'];
    expect(runParts(texts, 25).length).toBe(4);
    const one = await predictor.predict(texts, { topK: 2, explain: 10 });
    const parted = await new Predictor(model, { maxCharsPerRun: 25 }).predict(texts, { topK: 2, explain: 10 });
    expect(parted.predictions.map((p) => p.label)).toEqual(one.predictions.map((p) => p.label));
    parted.predictions.forEach((p, n) => {
      const whole = one.predictions[n];
      expect(p.top.map((t) => t.label)).toEqual(whole?.top.map((t) => t.label));
      expect(p.explanation?.map((e) => e.token)).toEqual(whole?.explanation?.map((e) => e.token));
      p.explanation?.forEach((e, k) => expect(e.weight).toBeCloseTo(whole?.explanation?.[k]?.weight as number, 6));
    });
  });

  it('cuts a run from text by padded size: one long text among empty ones runs apart from them', async () => {
    // Padding makes this batch 5 x 30 characters, though it holds 30: over 40, so two runs, not one.
    const texts = ['oven oven oven recipe nasa ove', '', '', '', ''];
    let runs = 0;
    const explainSession = async () => {
      const session = await (model.explainSession as () => Promise<ort.InferenceSession>)();
      return new Proxy(session, {
        get: (target, key) => (key === 'run' ? (...args: Parameters<ort.InferenceSession['run']>) => (runs++, target.run(...args)) : Reflect.get(target, key)),
      });
    };
    const parted = await new Predictor({ ...model, explainSession }, { maxCharsPerRun: 40 }).predict(texts, { explain: 5 });
    expect(runs).toBe(2);
    const one = await predictor.predict(texts, { explain: 5 });
    expect(parted.predictions.map((p) => p.label)).toEqual(one.predictions.map((p) => p.label));
    expect(parted.predictions.map((p) => p.explanation?.map((e) => e.token))).toEqual(one.predictions.map((p) => p.explanation?.map((e) => e.token)));
  });

  it('explains with the largest absolute contributions first, duplicates summed per token', async () => {
    const { predictions } = await predictor.predict(['oven oven recipe nasa'], { explain: 50 });
    const explanation = predictions[0]?.explanation ?? [];
    expect(predictions[0]?.label).toBe('cooking');
    // cooking coefficients: oven 2.0 (twice), recipe 1.5, nasa -0.5
    expect(explanation.map((e) => e.token)).toEqual(['oven', 'recipe', 'nasa']);
    expect(explanation[0]?.weight).toBeCloseTo(4.0, 5);
    expect(explanation[2]?.weight).toBeCloseTo(-0.5, 5);
    const limited = await predictor.predict(['oven oven recipe nasa'], { explain: 1 });
    expect(limited.predictions[0]?.explanation).toHaveLength(1);
  });

  it('contributions plus the intercept equal the logits of every class within 1e-4', async () => {
    const texts = ['oven oven recipe nasa', 'launch the rocket, goal!', '', 'unknown words only', 'bake bake bake team ball orbit'];
    const e = tiny.manifest.explain;
    if (!e) throw new Error('tiny explain manifest lacks explain');
    const out = await (await explainSessionOf(model)).run({ text: new ort.Tensor('string', texts, [texts.length]) }, [e.logits, e.post, e.token, e.contrib]);
    const logits = out[e.logits]?.data as Float32Array;
    const C = TINY_LABELS.length;
    const outputs = { post: out[e.post]?.data as BigInt64Array, token: out[e.token]?.data as string[], contrib: out[e.contrib]?.data as Float32Array, classes: C };
    const rows = rowsByPost(outputs, texts.length);
    for (let n = 0; n < texts.length; n++) {
      for (let c = 0; c < C; c++) {
        const sum = [...contributions(outputs, rows[n] ?? [], c).values()].reduce((a, b) => a + b, e.intercept[c] ?? 0);
        expect(Math.abs(sum - (logits[n * C + c] ?? Number.NaN))).toBeLessThan(1e-4);
      }
    }
  });

  it('reports the out-of-vocabulary token rate when the model exposes token counts', async () => {
    expect(predictor.supportsOov).toBe(true);
    const { oovRate } = await predictor.predict(['nasa unknown', 'oven words']);
    expect(oovRate).toBeCloseTo(0.5, 6);
  });
});

describe('Class: Predictor (bring-your-own model)', () => {
  it('serves label + probabilities under the manifest io names and refuses explanations', async () => {
    const tiny = await tinyArtifact('byo');
    const model = await loadModel({ modelUri: tiny.modelPath });
    const predictor = new Predictor(model);
    expect(predictor.supportsExplain).toBe(false);
    expect(predictor.supportsOov).toBe(false);
    const { predictions, oovRate } = await predictor.predict(['orbit'], { topK: 2 });
    expect(predictions[0]?.label).toBe('space');
    expect(predictions[0]?.top).toHaveLength(2);
    expect(oovRate).toBeUndefined();
    await expect(predictor.predict(['orbit'], { explain: 3 })).rejects.toThrow(/no explanation outputs/);
    await model.session.release();
    await tiny.remove();
  });
});

describe('Function: runParts', () => {
  it('cuts a batch into consecutive parts of at most maxChars characters, a longer text alone', () => {
    expect(runParts(['aaa', 'bb', 'c'], 10)).toEqual([[0, 3]]);
    expect(runParts(['aaa', 'bb', 'c'], 4)).toEqual([[0, 1], [1, 3]]);
    expect(runParts(['aaaaa', 'b', 'cccccc', '', ''], 3)).toEqual([[0, 1], [1, 2], [2, 3], [3, 5]]);
    expect(runParts(['', '', ''], 0)).toEqual([[0, 3]]);
  });

  it('measures a run from text as texts times the longest text, the grid the Tokenizer pads to', () => {
    const texts = ['a'.repeat(10), '', '', ''];
    expect(runParts(texts, 20)).toEqual([[0, 4]]);
    expect(runParts(texts, 20, true)).toEqual([[0, 2], [2, 4]]);
    expect(runParts(['', '', 'a'.repeat(10), 'bb'], 20, true)).toEqual([[0, 2], [2, 4]]);
  });
});

describe('Function: topContributions', () => {
  it('orders by absolute weight, then token, deterministically', () => {
    const m = new Map([['b', -2], ['a', 2], ['c', 0.5]]);
    expect(topContributions(m, 3)).toEqual([{ token: 'a', weight: 2 }, { token: 'b', weight: -2 }, { token: 'c', weight: 0.5 }]);
  });
});

/** The explanation outputs live in the whole graph; plain predictions run a pruned copy. */
async function explainSessionOf(model: { explainSession?: () => Promise<ort.InferenceSession> }): Promise<ort.InferenceSession> {
  if (!model.explainSession) throw new Error('this model has no explanation session');
  return model.explainSession();
}
