// zod/mini: the same validation core as zod's classic API, without the methods classic attaches to
// every schema instance. This module is evaluated in every Lambda cold start: importing it took 14-19 ms
// with classic and 7-10 ms with mini (an import-only probe; fresh-process init median 166 -> 157 ms).
import * as z from 'zod/mini';

const sha256Hex = z.string().check(z.regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256 digest'));

const classMetricsSchema = z.object({
  label: z.string(),
  precision: z.number().check(z.minimum(0), z.maximum(1)),
  recall: z.number().check(z.minimum(0), z.maximum(1)),
  f1: z.number().check(z.minimum(0), z.maximum(1)),
  support: z.int().check(z.nonnegative()),
});

export const metricsSchema = z.object({
  accuracy: z.number().check(z.minimum(0), z.maximum(1)),
  macroF1: z.number().check(z.minimum(0), z.maximum(1)),
  perClass: z.array(classMetricsSchema),
  /** confusion[i][j]: posts of true class i predicted as class j, in `labels` order. */
  confusion: z.array(z.array(z.int().check(z.nonnegative()))),
  testPosts: z.int().check(z.nonnegative()),
});

/** How text became features; the trainer's TypeScript featurizer and the ONNX graph both follow it. */
export const featurizerSchema = z.object({
  kind: z.literal('tfidf'),
  lowercase: z.boolean(),
  tokenPattern: z.string(),
  stopWords: z.nullable(z.enum(['english'])),
  ngramRange: z.tuple([z.int().check(z.positive()), z.int().check(z.positive())]),
  minDf: z.number().check(z.nonnegative()),
  maxDf: z.number().check(z.nonnegative()),
  maxFeatures: z.nullable(z.int().check(z.positive())),
  sublinearTf: z.boolean(),
  smoothIdf: z.boolean(),
  /** The idf vector is raised to this power (1: scikit-learn's tf-idf). */
  idfPower: z.optional(z.number().check(z.positive())),
  norm: z.literal('l2'),
  vocabularySize: z.int().check(z.positive()),
});

export const trainingSchema = z.object({
  config: z.string(),
  model: z.literal('multinomial-logistic-regression'),
  C: z.number().check(z.positive()),
  maxIter: z.int().check(z.positive()),
  iterations: z.int().check(z.nonnegative()),
  converged: z.boolean(),
  fitSeconds: z.number().check(z.nonnegative()),
  /** Present when C was chosen on a validation split carved from the train set. */
  selection: z.optional(
    z.object({
      validationFraction: z.number(),
      candidates: z.array(z.object({ C: z.number(), idfPower: z.optional(z.number()), accuracy: z.number() })),
    })
  ),
});

export const manifestSchema = z.object({
  schemaVersion: z.literal(1),
  name: z.string().check(z.minLength(1)),
  /** Derived from `sha256`: the same bytes always carry the same version. */
  version: z.string().check(z.minLength(1)),
  /** sha256 of model.onnx; the loader refuses a model file whose digest differs. */
  sha256: sha256Hex,
  createdAt: z.iso.datetime(),
  producer: z.object({ name: z.string(), version: z.string() }),
  labels: z.array(z.string().check(z.minLength(1))).check(z.minLength(2)),
  io: z.object({
    input: z.string(),
    label: z.string(),
    probabilities: z.string(),
  }),
  /** Present when the graph has the explanation outputs (docs/contracts.md section 1). */
  explain: z.optional(
    z.object({
      logits: z.string(),
      post: z.string(),
      token: z.string(),
      contrib: z.string(),
      intercept: z.array(z.number()),
    })
  ),
  /**
   * Present when the graph can also be fed from its sparse term counts (docs/contracts.md section 1):
   * a server may then tokenise and count in its own code, exactly as the graph's front end does, and
   * run only the graph's part from `termKeys` on. The graph stays the definition: `tokens` and
   * `termIds` name the front end's tensors a server reads its tables from.
   */
  frontEnd: z.optional(
    z.object({
      /** The Tokenizer's output, [N, L] strings. */
      tokens: z.string(),
      /**
       * The LabelEncoder of the tokens: a feature id per token (-1 unknown, -2 stop word, -3 padding);
       * with `bigrams`, a word id instead (its default W for an unknown word, W + 1 for padding).
       */
      termIds: z.string(),
      /** Present for 1-2 gram graphs. */
      bigrams: z.optional(
        z.object({
          /** int64 [W + 2] initializer: a word id's unigram feature (-1 none, -3 padding). */
          unigramOfWord: z.string(),
          /** The LabelEncoder output mapping first * (W + 2) + second (word ids) to a bigram feature, -1 none. */
          bigramIds: z.string(),
        })
      ),
      /** int64 scalar: the number of posts. */
      postCount: z.string(),
      /** int64 [U]: post * keyStride + feature, ascending, one per distinct (post, feature). */
      termKeys: z.string(),
      /** int64 [U]: how often each key's feature occurs in its post. */
      termCounts: z.string(),
      keyStride: z.int().check(z.positive()),
      /**
       * Present when the graph can also be fed its per-post sums, past the term counts: a server that
       * counts may then weight and sum the terms itself and run only the graph's part from `sums` on.
       * `idf` ([keyStride] float) and `coef` ([keyStride, C] float) name the initializers it reads.
       */
      postSums: z.optional(
        z.object({
          /**
           * float [N, C + 1]: per post, the sum over its distinct terms of coef[feature] * weight, then
           * of weight squared, with weight = tf(count) * idf[feature] as the graph computes them
           * (docs/contracts.md section 1 says how the graph rounds and orders the sums).
           */
          sums: z.string(),
          idf: z.string(),
          coef: z.string(),
        })
      ),
    })
  ),
  featurizer: z.optional(featurizerSchema),
  training: z.optional(trainingSchema),
  data: z.optional(
    z.object({ name: z.string(), sha256: sha256Hex, trainPosts: z.int(), testPosts: z.int() })
  ),
  metrics: z.optional(metricsSchema),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Metrics = z.infer<typeof metricsSchema>;
export type FeaturizerParams = z.infer<typeof featurizerSchema>;
export type TrainingInfo = z.infer<typeof trainingSchema>;

/** The part of the manifest that `GET /model` serves: nothing about where or how it was trained. */
export type PublicManifest = Pick<Manifest, 'name' | 'version' | 'sha256' | 'labels' | 'createdAt'> & {
  metrics?: Pick<Metrics, 'accuracy' | 'macroF1'>;
  explain: boolean;
};

export function publicManifest(m: Manifest): PublicManifest {
  return {
    name: m.name,
    version: m.version,
    sha256: m.sha256,
    labels: m.labels,
    createdAt: m.createdAt,
    ...(m.metrics ? { metrics: { accuracy: m.metrics.accuracy, macroF1: m.metrics.macroF1 } } : {}),
    explain: m.explain !== undefined,
  };
}
