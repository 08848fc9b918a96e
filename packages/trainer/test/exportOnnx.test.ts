import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  ENGLISH_STOP_WORDS,
  GRAPH_IO,
  ParityError,
  TOKEN_PATTERN,
  TfidfVectorizer,
  argmaxRows,
  checkParity,
  decisionFunction,
  exportOnnx,
  fitLogisticRegression,
  type LinearTextModel,
  softmaxRows,
} from '../src/index.js';

const train = [
  'the engine and the wheels of my car',
  'car engine oil and brakes, car brakes',
  'my car needs new tires and brakes',
  'the orbit of the moon and the shuttle',
  'shuttle launch into orbit orbit',
  'NASA plans a moon mission to orbit',
];
const targets = Int32Array.from([0, 0, 0, 1, 1, 1]);
const labels = ['rec.autos', 'sci.space'];
const probe = ['car car orbit', 'Shuttle launch ENGINE brakes moon', '', '!!! ??', 'unknown words only', 'the moon orbit car engine brakes'];

function trained(options: { ngrams: [number, number]; sublinear: boolean; stopWords?: boolean }) {
  const { vectorizer, matrix } = TfidfVectorizer.fit(train, {
    lowercase: true,
    stopWords: options.stopWords ? 'english' : null,
    ngramRange: options.ngrams,
    minDf: 1,
    maxDf: 1,
    maxFeatures: null,
    sublinearTf: options.sublinear,
    smoothIdf: true,
  });
  const model = fitLogisticRegression(matrix, targets, 2, { C: 10, maxIter: 200, tol: 1e-8 });
  const linear: LinearTextModel = {
    labels,
    terms: vectorizer.terms,
    idf: vectorizer.idf,
    coef: model.coef,
    intercept: model.intercept,
    lowercase: true,
    tokenPattern: TOKEN_PATTERN,
    sublinearTf: options.sublinear,
    stopWords: options.stopWords ? [...ENGLISH_STOP_WORDS] : undefined,
  };
  const onnx = exportOnnx(linear);
  const logits = decisionFunction(model, vectorizer.transform(probe));
  return { onnx, linear, model, logits, expectedLabels: Array.from(argmaxRows(logits, 2), (k) => labels[k] as string) };
}

/** The values of a float initializer of the graph. */
function floatInitializer(onnx: Uint8Array, name: string): Float32Array {
  const tensor = onnxProto.onnx.ModelProto.decode(onnx).graph?.initializer?.find((t) => t.name === name);
  const raw = tensor?.rawData;
  if (!raw) throw new Error(`no float initializer ${name}`);
  return new Float32Array(Uint8Array.from(raw).buffer);
}

async function logitsOf(onnx: Uint8Array, texts: string[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(onnx);
  return (await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', texts, [texts.length]) }))[GRAPH_IO.logits]?.data as Float32Array;
}

describe.each([
  { ngrams: [1, 1] as [number, number], sublinear: false },
  { ngrams: [1, 2] as [number, number], sublinear: true },
])('exported graph, ngrams $ngrams, sublinear $sublinear', (options) => {
  it('gives the in-memory model labels, probabilities and logits (empty and unknown texts included)', async () => {
    const { onnx, logits, expectedLabels } = trained(options);
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', probe, [probe.length]) });
    expect(out[GRAPH_IO.label]?.data).toEqual(expectedLabels);
    const graphLogits = out[GRAPH_IO.logits]?.data as Float32Array;
    graphLogits.forEach((v, i) => expect(v).toBeCloseTo(logits[i] as number, 4));
    const probs = out[GRAPH_IO.probabilities]?.data as Float32Array;
    const expected = softmaxRows(logits, 2);
    probs.forEach((v, i) => expect(v).toBeCloseTo(expected[i] as number, 5));
  });

  it('declares IR version 9, the one ONNX pairs with ai.onnx opset 20, and onnxruntime loads and runs it', async () => {
    const { onnx, expectedLabels } = trained(options);
    const model = onnxProto.onnx.ModelProto.decode(onnx);
    expect(Number(model.irVersion)).toBe(9);
    expect(Number(model.opsetImport?.find((o) => !o.domain)?.version)).toBe(20);
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', probe, [probe.length]) });
    expect(out[GRAPH_IO.label]?.data).toEqual(expectedLabels);
    await session.release();
  });

  it('gives the intercept to posts without known terms, whether none, some or all posts of a batch have terms', async () => {
    const { onnx, logits } = trained(options);
    const session = await ort.InferenceSession.create(onnx);
    const logitsOf = async (texts: string[]) =>
      (await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', texts, [texts.length]) }))[GRAPH_IO.logits]?.data as Float32Array;
    // probe[2] is empty, probe[4] unknown words only; probe[0] and probe[5] have terms.
    const blankRow = Array.from(logits.slice(2 * 2, 3 * 2));
    for (const texts of [[probe[2], probe[4]], [probe[4], probe[4], probe[0]], [probe[0], probe[2], probe[5]]] as string[][]) {
      const out = await logitsOf(texts);
      texts.forEach((t, i) => {
        const row = t === probe[0] ? logits.slice(0, 2) : t === probe[5] ? logits.slice(5 * 2, 6 * 2) : blankRow;
        Array.from(row).forEach((v, c) => expect(out[i * 2 + c]).toBeCloseTo(v as number, 4));
      });
    }
  });

  it('numbers its features most frequent first, and gives the same logits whatever order they were fitted in', async () => {
    const { onnx, linear } = trained(options);
    const idf = floatInitializer(onnx, 'idf');
    expect(idf.length).toBe(linear.terms.length);
    for (let f = 1; f < idf.length; f++) expect(idf[f]).toBeGreaterThanOrEqual(idf[f - 1] as number);
    const V = linear.terms.length;
    const reversed = (f: number) => V - 1 - f;
    const coef = new Float64Array(linear.coef.length);
    for (let f = 0; f < V; f++) coef.set(linear.coef.subarray(2 * reversed(f), 2 * reversed(f) + 2), 2 * f);
    const refitted = exportOnnx({
      ...linear,
      terms: linear.terms.map((_, f) => linear.terms[reversed(f)] as string),
      idf: Float64Array.from(linear.idf, (_, f) => linear.idf[reversed(f)] as number),
      coef,
    });
    const [a, b] = await Promise.all([logitsOf(onnx, probe), logitsOf(refitted, probe)]);
    b.forEach((v, i) => expect(v).toBeCloseTo(a[i] as number, 5));
  });

  it('has explanation outputs whose contributions plus the intercept are the logits', async () => {
    const { onnx, model } = trained(options);
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', probe, [probe.length]) });
    const posts = out[GRAPH_IO.post]?.data as BigInt64Array;
    const contrib = out[GRAPH_IO.contrib]?.data as Float32Array;
    const tokens = out[GRAPH_IO.token]?.data as string[];
    const logits = out[GRAPH_IO.logits]?.data as Float32Array;
    for (let n = 0; n < probe.length; n++) {
      for (let c = 0; c < 2; c++) {
        let sum = model.intercept[c] as number;
        posts.forEach((p, u) => {
          if (Number(p) === n) sum += contrib[u * 2 + c] as number;
        });
        expect(sum).toBeCloseTo(logits[n * 2 + c] as number, 4);
      }
    }
    const first = tokens.filter((_, u) => posts[u] === 1n).sort();
    expect(first).toEqual(
      options.ngrams[1] === 2
        ? ['brakes', 'engine', 'launch', 'moon', 'shuttle', 'shuttle launch']
        : ['brakes', 'engine', 'launch', 'moon', 'shuttle'],
    );
  });
});

describe('out-of-vocabulary counts', () => {
  it('counts tokens per post (padding and stop words left out) and those with a unigram feature', async () => {
    const { onnx } = trained({ ngrams: [1, 1], sublinear: false, stopWords: true });
    const session = await ort.InferenceSession.create(onnx);
    const texts = ['the car and the moon zebra', '', 'x !!', 'orbit'];
    const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', texts, [texts.length]) }, [
      GRAPH_IO.tokenCount,
      GRAPH_IO.knownTokenCount,
    ]);
    // "the", "and" are stop words in the first post: car, moon known; zebra unknown.
    expect(Array.from(out[GRAPH_IO.tokenCount]?.data as BigInt64Array, Number)).toEqual([3, 0, 0, 1]);
    expect(Array.from(out[GRAPH_IO.knownTokenCount]?.data as BigInt64Array, Number)).toEqual([2, 0, 0, 1]);
  });

  it('counts every token of a bigram model', async () => {
    const { onnx } = trained({ ngrams: [1, 2], sublinear: true });
    const session = await ort.InferenceSession.create(onnx);
    const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', ['the car zebra'], [1]) }, [
      GRAPH_IO.tokenCount,
      GRAPH_IO.knownTokenCount,
    ]);
    expect(Array.from(out[GRAPH_IO.tokenCount]?.data as BigInt64Array, Number)).toEqual([3]);
    expect(Array.from(out[GRAPH_IO.knownTokenCount]?.data as BigInt64Array, Number)).toEqual([2]);
  });
});

describe('checkParity', () => {
  it('throws a ParityError naming the first mismatching post', async () => {
    const { onnx, logits, expectedLabels } = trained({ ngrams: [1, 1], sublinear: false });
    const wrong = [...expectedLabels];
    wrong[1] = wrong[1] === 'rec.autos' ? 'sci.space' : 'rec.autos';
    await expect(checkParity(onnx, probe, wrong, softmaxRows(logits, 2))).rejects.toThrow(ParityError);
    await expect(checkParity(onnx, probe, wrong, softmaxRows(logits, 2))).rejects.toThrow(/post 1: trained/);
    const report = await checkParity(onnx, probe, expectedLabels, softmaxRows(logits, 2));
    expect(report.labelMismatches).toBe(0);
  });
});
