import {
  MANIFEST_FILE,
  MODEL_FILE,
  type Manifest,
  type Metrics,
  type TrainingInfo,
  parseManifest,
  sha256Hex,
  versionFromDigest,
} from '@org/classifier-artifact';
import type { TrainConfig } from './config.js';
import { ConfigError, TrainerError } from './errors.js';
import { type Newsgroups, loadNewsgroups } from './data/newsgroups.js';
import { evaluate } from './eval/metrics.js';
import { renderReport } from './eval/report.js';
import { checkOutputDir, writeArtifact } from './output.js';
import { ENGLISH_STOP_WORDS } from './features/stopWords.js';
import { TfidfVectorizer, type TfidfOptions } from './features/tfidf.js';
import { graphCharacters } from './features/graphCharacters.js';
import {
  type LogisticRegressionModel,
  argmaxRows,
  decisionFunction,
  fitLogisticRegression,
  softmaxRows,
} from './model/logisticRegression.js';
import { describeStop } from './model/lbfgs.js';
import { warmStartFrom } from './model/warmStart.js';
import { GRAPH_IO, exportOnnx, frontEndManifest } from './onnx/exportOnnx.js';
import { type ParityReport, checkParity } from './onnx/parityGate.js';
import { type Progress, silentProgress } from './progress.js';

export const MODEL_NAME = 'newsgroups-topics';
const PRODUCER = { name: '@org/classifier-trainer', version: '0.1.0' };

export interface TrainOptions {
  config: TrainConfig;
  archive?: string;
  /** Where model.onnx, manifest.json and report.html go; written atomically at the end. */
  outDir: string;
  progress?: Progress;
  /** Preloaded data (tests and benchmarks reuse one load). */
  data?: Newsgroups;
}

export interface TrainResult {
  manifest: Manifest;
  /**
   * Why the final fit stopped. Not in the manifest: its schema (@org/classifier-artifact) has no field
   * for it; the training log and report.html show it.
   */
  stopReason: LogisticRegressionModel['stopReason'];
  metrics: Metrics;
  parity: ParityReport;
  fitSeconds: number;
  modelBytes: number;
}

export async function train(options: TrainOptions): Promise<TrainResult> {
  const { config } = options;
  const progress = options.progress ?? silentProgress;
  // Before the data and the minutes of training: a folder that cannot be written fails now.
  await checkOutputDir(options.outDir);
  progress.phase('load', 18846);
  const data = options.data ?? (await loadNewsgroups({ archive: options.archive, onProgress: (n) => progress.update(n) }));
  progress.done(`${data.train.texts.length} train / ${data.test.texts.length} test posts, ${data.labels.length} groups`);
  const K = data.labels.length;
  const fitStart = performance.now();

  const powers = Array.isArray(config.featurizer.idfPower) ? config.featurizer.idfPower : [config.featurizer.idfPower];
  // Characters the graph's front end takes otherwise than JavaScript are taken its way in training too.
  const asGraph = await graphCharacters([data.train.texts, data.test.texts], config.featurizer.lowercase);
  const featurizerWith = (idfPower: number): TfidfOptions => ({ ...config.featurizer, idfPower, graphCharacters: asGraph });
  let C = config.model.C[0] as number;
  let idfPower = powers[0] as number;
  let selection: TrainingInfo['selection'];
  let init: Float64Array | undefined;
  let selected: { model: LogisticRegressionModel; terms: readonly string[] } | undefined;
  if (config.model.C.length > 1 || powers.length > 1) {
    const { fit, validation } = carveValidation(data.train.targets, config.model.validationFraction);
    if (validation.length === 0) {
      throw new ConfigError(
        `model.validationFraction ${config.model.validationFraction} leaves no validation posts (the smallest group has too few); raise it or give one C and one idf power`,
      );
    }
    const fitTexts = Array.from(fit, (i) => data.train.texts[i] as string);
    const valTexts = Array.from(validation, (i) => data.train.texts[i] as string);
    const fitY = Int32Array.from(fit, (i) => data.train.targets[i] as number);
    const valY = Int32Array.from(validation, (i) => data.train.targets[i] as number);
    const candidates: Array<{ C: number; idfPower: number; accuracy: number }> = [];
    // Only the best model so far is kept (with the terms its coefficients belong to), not every
    // candidate: the default config's six would hold up to 6 x 200,000 x 20 float64s, about 190 MB.
    let best: { candidate: (typeof candidates)[number]; model: LogisticRegressionModel; terms: readonly string[] } | undefined;
    for (const power of powers) {
      const { vectorizer, matrix } = TfidfVectorizer.fit(fitTexts, featurizerWith(power));
      const valX = vectorizer.transform(valTexts);
      // A regularisation path: from the strongest penalty (smallest C) up, each fit starting from the
      // previous solution, which is close to its own; later fits then take a fraction of the iterations.
      const path = [...config.model.C].sort((a, b) => a - b);
      let previous: LogisticRegressionModel | undefined;
      for (const c of path) {
        const name = powers.length > 1 ? `select idf^${power} C=${c}` : `select C=${c}`;
        progress.phase(name, config.model.maxIter);
        const m = fitLogisticRegression(matrix, fitY, K, {
          ...config.model,
          C: c,
          init: previous ? parameters(previous) : undefined,
          onIteration: (it) => progress.update(it),
        });
        previous = m;
        const accuracy = evaluate(valY, argmaxRows(decisionFunction(m, valX), K), data.labels).accuracy;
        const candidate = { C: c, idfPower: power, accuracy };
        candidates.push(candidate);
        // Ties go to the earlier candidate: the first idf power listed, then the smaller C.
        if (!best || accuracy > best.candidate.accuracy) best = { candidate, model: m, terms: vectorizer.terms };
        progress.done(`validation accuracy ${(100 * accuracy).toFixed(2)}% (${m.iterations} iterations)`);
      }
    }
    if (!best) throw new Error('no candidate was trained'); // unreachable: C and the powers are non-empty
    C = best.candidate.C;
    idfPower = best.candidate.idfPower;
    selected = best;
    // The share of the train posts actually used: per-group rounding makes it differ a little from the
    // requested fraction (carveValidation).
    selection = { validationFraction: validation.length / data.train.texts.length, candidates };
  }

  progress.phase('featurize', 1);
  const { vectorizer, matrix } = TfidfVectorizer.fit(data.train.texts, featurizerWith(idfPower));
  progress.done(`${vectorizer.vocabularySize} terms, ${matrix.data.length} non-zeros`);
  if (selected) init = warmStartFrom(selected.model, selected.terms, vectorizer.terms);
  progress.phase(`train C=${C}`, config.model.maxIter);
  const model = fitLogisticRegression(matrix, data.train.targets, K, {
    ...config.model,
    C,
    init,
    onIteration: (it, loss) => progress.update(it, `loss ${loss.toFixed(5)}`),
  });
  const fitSeconds = (performance.now() - fitStart) / 1000;
  progress.done(`${model.iterations} iterations, ${describeStop(model.converged, model.stopReason)}, ${fitSeconds.toFixed(1)} s`);

  const testX = vectorizer.transform(data.test.texts);
  const logits = decisionFunction(model, testX);
  const predicted = argmaxRows(logits, K);
  const metrics = evaluate(data.test.targets, predicted, data.labels);

  const onnx = exportOnnx({
    labels: data.labels,
    terms: vectorizer.terms,
    idf: vectorizer.idf,
    coef: model.coef,
    intercept: model.intercept,
    lowercase: config.featurizer.lowercase,
    tokenPattern: vectorizer.params().tokenPattern,
    sublinearTf: config.featurizer.sublinearTf,
    ...(config.featurizer.stopWords === 'english' ? { stopWords: [...ENGLISH_STOP_WORDS] } : {}),
  });
  const sha256 = sha256Hex(onnx);
  const manifest: Manifest = {
    schemaVersion: 1,
    name: MODEL_NAME,
    version: versionFromDigest(sha256),
    sha256,
    createdAt: new Date().toISOString(),
    producer: PRODUCER,
    labels: data.labels,
    io: { input: GRAPH_IO.input, label: GRAPH_IO.label, probabilities: GRAPH_IO.probabilities },
    explain: {
      logits: GRAPH_IO.logits,
      post: GRAPH_IO.post,
      token: GRAPH_IO.token,
      contrib: GRAPH_IO.contrib,
      intercept: Array.from(Float32Array.from(model.intercept)),
    },
    frontEnd: frontEndManifest(vectorizer.terms),
    featurizer: vectorizer.params(),
    training: {
      config: config.name,
      model: 'multinomial-logistic-regression',
      C,
      maxIter: config.model.maxIter,
      iterations: model.iterations,
      converged: model.converged,
      fitSeconds: Math.round(fitSeconds * 100) / 100,
      ...(selection ? { selection } : {}),
    },
    data: {
      name: '20news-bydate',
      sha256: data.archive.sha256,
      trainPosts: data.train.texts.length,
      testPosts: data.test.texts.length,
    },
    metrics,
  };
  // Checked with the schema inference loads it with, as the text that will be written, before the
  // parity gate's minutes: a manifest it rejects would only fail later, at the function's cold start.
  const manifestText = `${JSON.stringify(manifest, null, 2)}\n`;
  try {
    parseManifest(manifestText, 'the trained manifest');
  } catch (cause) {
    throw new TrainerError(`${(cause as Error).message}; nothing written`, { cause });
  }

  progress.phase('parity gate', data.test.texts.length);
  const parity = await checkParity(
    onnx,
    data.test.texts,
    Array.from(predicted, (k) => data.labels[k] as string),
    softmaxRows(logits, K),
    { onProgress: (n) => progress.update(n) },
  );
  progress.done(`${parity.posts} test posts agree; max probability difference ${parity.maxProbabilityDiff.toExponential(2)}`);

  await writeArtifact(options.outDir, [
    [MODEL_FILE, onnx],
    [MANIFEST_FILE, manifestText],
    ['report.html', renderReport(manifest, { stopReason: model.stopReason })],
  ]);
  return { manifest, metrics, parity, stopReason: model.stopReason, fitSeconds, modelBytes: onnx.length };
}

/** A model's coefficients and intercept in the optimiser's layout (a warm start). */
function parameters(m: LogisticRegressionModel): Float64Array {
  const x = new Float64Array(m.coef.length + m.intercept.length);
  x.set(m.coef);
  x.set(m.intercept, m.coef.length);
  return x;
}

/**
 * Deterministic and stratified: the n-th post (from 0) of each class goes to validation when
 * floor((n + 1) * fraction) steps up, so a class of m posts gives floor(m * fraction) of them, spread
 * evenly (0.2: every 5th; 0.3: 3 in every 10). An earlier rule, every round(1 / fraction)-th post,
 * turned 0.3 into a third and anything from 0.5 up into a half.
 */
export function carveValidation(targets: Int32Array, fraction: number): { fit: Int32Array; validation: Int32Array } {
  // The epsilon keeps products such as 90 * 0.7 = 62.99999999999999 on their integer.
  const taken = (count: number) => Math.floor(count * fraction + 1e-9);
  const seen = new Map<number, number>();
  const fit: number[] = [];
  const validation: number[] = [];
  targets.forEach((t, i) => {
    const n = seen.get(t) ?? 0;
    seen.set(t, n + 1);
    (taken(n + 1) > taken(n) ? validation : fit).push(i);
  });
  return { fit: Int32Array.from(fit), validation: Int32Array.from(validation) };
}
