import type { Manifest } from '@org/classifier-artifact';
import { DataType, GraphBuilder } from './GraphBuilder.js';

/** Everything the graph needs from a fitted tf-idf + multinomial logistic regression model. */
export interface LinearTextModel {
  labels: readonly string[];
  /** Feature names in feature-index order: a word, or an n-gram of words joined by one space. */
  terms: readonly string[];
  /** idf per feature (already smoothed). */
  idf: Float64Array | Float32Array;
  /** Coefficients, row-major [terms.length][labels.length]: one contiguous row per feature. */
  coef: Float64Array | Float32Array;
  intercept: Float64Array | Float32Array;
  lowercase: boolean;
  /** An RE2 pattern whose matches are exactly the featurizer's tokens. */
  tokenPattern: string;
  sublinearTf: boolean;
  /**
   * Words the featurizer drops before counting (unigram models only). They are not features, and the
   * out-of-vocabulary counts leave them out so that the drift signal is about content words.
   */
  stopWords?: readonly string[];
}

export const GRAPH_IO = {
  input: 'text',
  label: 'label',
  probabilities: 'probabilities',
  logits: 'logits',
  post: 'explain_post',
  token: 'explain_token',
  contrib: 'explain_contrib',
  tokenCount: 'token_count',
  knownTokenCount: 'known_token_count',
} as const;

/**
 * Named inner tensors of the graph (the manifest's `frontEnd`): a server may feed the graph from the
 * term counts on, having tokenised and counted exactly as the nodes before them do.
 */
export const FRONT_END = {
  tokens: 'tokens',
  termIds: 'term_ids',
  postCount: 'post_count',
  termKeys: 'term_keys',
  termCounts: 'term_counts',
} as const;

/**
 * The graph's per-post sums and the tables they are made of (the manifest's `frontEnd.postSums`): a
 * server that counts may weight and sum the terms itself and feed the graph from `sums` on.
 */
export const POST_SUMS = {
  sums: 'post_sums',
  idf: 'idf',
  coef: 'coef',
} as const;

/**
 * The extra tensors of a 1-2 gram graph's front end: its token LabelEncoder gives word ids (unknown
 * word W, padding W + 1), `unigram_of_word` [W + 2] maps a word id to its unigram feature, and the
 * bigram LabelEncoder maps first * (W + 2) + second to a bigram feature.
 */
export const FRONT_END_BIGRAMS = {
  wordIds: 'word_ids',
  unigramOfWord: 'unigram_of_word',
  bigramIds: 'bigram_ids',
} as const;

/**
 * The manifest's `frontEnd` for the graph `exportOnnx` writes of these terms: the graph has the bigram
 * tensors exactly when some term is a bigram, whatever n-gram range was asked for.
 */
export function frontEndManifest(terms: readonly string[]): NonNullable<Manifest['frontEnd']> {
  const bigrams = terms.some(isBigram);
  return {
    ...FRONT_END,
    keyStride: terms.length,
    postSums: POST_SUMS,
    // A 1-2 gram graph's token LabelEncoder gives word ids; unigram and bigram features follow from them.
    ...(bigrams ? { termIds: FRONT_END_BIGRAMS.wordIds, bigrams: { unigramOfWord: FRONT_END_BIGRAMS.unigramOfWord, bigramIds: FRONT_END_BIGRAMS.bigramIds } } : {}),
  };
}

const isBigram = (term: string): boolean => term.includes(' ');

const ML = 'ai.onnx.ml';
const MS = 'com.microsoft';
// The tokenizer pads short posts with this value; it can never be a token (tokens are word characters).
export const PAD = '#';
// Opset 20 for StringConcat (explanations of bigrams); LabelEncoder v2 from ai.onnx.ml 3.
const OPSETS = [
  { domain: '', version: 20 },
  { domain: ML, version: 3 },
  { domain: MS, version: 1 },
];

/**
 * The graph's text front end alone (StringNormalizer -> Tokenizer), exported so tests can compare its
 * tokens with the TypeScript featurizer's on every post. Output `tokens` [N, L], padded with `#`.
 */
export function tokenizerGraph(options: { lowercase: boolean; tokenPattern: string }): Uint8Array {
  const g = new GraphBuilder();
  const text = g.input(GRAPH_IO.input, DataType.STRING, ['N']);
  const tokens = frontEnd(g, text, options);
  g.output('tokens', tokens, DataType.STRING, ['N', 'L']);
  return g.encode({ name: 'tokenizer', opsets: OPSETS });
}

function frontEnd(g: GraphBuilder, text: string, options: { lowercase: boolean; tokenPattern: string }, outputName?: string): string {
  // locale C.UTF-8: the default locale of these machines' onnxruntime build cannot lowercase non-ASCII.
  const normalized = options.lowercase
    ? g.node('StringNormalizer', [text], { case_change_action: 'LOWER', is_case_sensitive: 1, locale: 'C.UTF-8' }, '')
    : text;
  return g.node('Tokenizer', [normalized], { mark: 0, mincharnum: 1, pad_value: PAD, tokenexp: options.tokenPattern }, MS, outputName);
}

/**
 * Writes the model as an ONNX graph that never builds a vocabulary-wide vector per post.
 *
 * The straightforward chain (TfIdfVectorizer -> LinearClassifier) materialises N x V floats and then a
 * dense N x V by V x C product; here each post costs only its own distinct terms:
 * tokens -> feature ids (LabelEncoder) -> keys post*V+feature -> Unique (sorted: per-post counts) ->
 * weights tf*idf -> gathered coefficient rows times weight, and weight squared -> per-post sums as
 * differences of a running sum over the sorted keys, read at each post's last key -> l2 norm,
 * logits -> softmax / argmax.
 * The same per-(post, term) contributions are graph outputs, which makes explanations exact. The
 * front end's tensors have names (FRONT_END) so that a server may feed the graph from its term counts.
 */
export function exportOnnx(fitted: LinearTextModel, metadata: Record<string, string> = {}): Uint8Array {
  const model = mostFrequentFirst(fitted);
  const V = model.terms.length;
  const C = model.labels.length;
  const g = new GraphBuilder();

  const text = g.input(GRAPH_IO.input, DataType.STRING, ['N']);
  const tokens = frontEnd(g, text, model, FRONT_END.tokens);

  // Word table: every word any feature uses; an unknown word (or padding) maps to the sentinel index W.
  const { words, unigramOfWord, bigramKeys, bigramFeatures, maxN } = wordTables(model.terms);
  if (maxN > 2) throw new Error('the ONNX export supports 1- and 2-grams');
  const W = words.length;
  const hasBigrams = bigramKeys.length > 0;
  // Cells that are not features: -1 an unknown word, -2 a stop word, -3 the tokenizer's padding. The
  // padding gets its own id so that counting real tokens needs no string comparison over the grid.
  const STOP = -2;
  const PADDING = -3;
  let wordIds: string;
  let uniFeature: string;
  if (hasBigrams) {
    // Word ids: W for an unknown word, W + 1 for padding; both map to no unigram and no bigram.
    wordIds = g.node(
      'LabelEncoder',
      [tokens],
      { keys_strings: [...words, PAD], values_int64s: [...range(W), W + 1], default_int64: W },
      ML,
      FRONT_END_BIGRAMS.wordIds,
    );
    uniFeature = g.node('Gather', [g.int64Tensor(FRONT_END_BIGRAMS.unigramOfWord, [W + 2], [...unigramOfWord, -1, PADDING]), wordIds], { axis: 0 });
  } else {
    // Unigram models: the words are the features in order, so one LabelEncoder gives feature ids
    // directly and the per-cell Gather of the bigram case is not needed.
    const known = new Set(words);
    const stop = (model.stopWords ?? []).filter((w) => !known.has(w));
    uniFeature = g.node(
      'LabelEncoder',
      [tokens],
      {
        // Stop words first: they are the most frequent tokens of all, and a server that builds a hash
        // table from these keys in order (inference's featurizer) then finds them at their first probe
        // (1.03 probes per test-post token instead of 1.78; p99 -4% in six paired rounds).
        keys_strings: [...stop, ...words, PAD],
        values_int64s: [...stop.map(() => STOP), ...range(W), PADDING],
        default_int64: -1,
      },
      ML,
      FRONT_END.termIds,
    );
    wordIds = uniFeature;
  }

  const shape = g.node('Shape', [wordIds]);
  const n = g.node('Gather', [shape, g.ints([0], true)], { axis: 0 }, '', FRONT_END.postCount);
  const len = g.node('Gather', [shape, g.ints([1], true)], { axis: 0 });
  const zero = g.ints([0], true);
  const one = g.ints([1], true);
  // Flat position of every token cell, [N, L]; used to find each feature's text for explanations.
  const cells = g.node('Mul', [n, len]);
  // allowzero: a batch of posts without tokens has L = 0, which Reshape must keep, not copy.
  const positions = g.node('Reshape', [g.node('Range', [zero, cells, one]), shape], { allowzero: 1 });
  const postGrid = g.node('Expand', [g.node('Unsqueeze', [g.node('Range', [zero, n, one]), g.ints([1])]), shape]);

  // Out-of-vocabulary signal per post: tokens (padding and stop words left out) and those the model knows.
  const asInt = (t: string) => g.node('Cast', [t], { to: DataType.INT64 });
  const sumCells = (t: string) => g.node('ReduceSum', [t, g.ints([1])], { keepdims: 0 });
  const tokenCount = sumCells(asInt(g.node('GreaterOrEqual', [uniFeature, g.ints([-1], true)])));
  const knownCount = sumCells(asInt(g.node('GreaterOrEqual', [uniFeature, zero])));

  let feature = uniFeature;
  let featurePos = positions;
  let featurePost = postGrid;
  if (hasBigrams) {
    const first = g.node('Slice', [wordIds, g.ints([0]), g.ints([-1]), g.ints([1])]);
    const second = g.node('Slice', [wordIds, g.ints([1]), g.ints([Number.MAX_SAFE_INTEGER]), g.ints([1])]);
    const key = g.node('Add', [g.node('Mul', [first, g.ints([W + 2], true)]), second]);
    const biFeature = g.node(
      'LabelEncoder',
      [key],
      { keys_int64s: bigramKeys, values_int64s: bigramFeatures, default_int64: -1 },
      ML,
      FRONT_END_BIGRAMS.bigramIds,
    );
    const headOf = (t: string) => g.node('Slice', [t, g.ints([0]), g.ints([-1]), g.ints([1])]);
    feature = g.node('Concat', [uniFeature, biFeature], { axis: 1 });
    featurePos = g.node('Concat', [positions, headOf(positions)], { axis: 1 });
    featurePost = g.node('Concat', [postGrid, headOf(postGrid)], { axis: 1 });
  }

  const flat = (t: string) => g.node('Reshape', [t, g.ints([-1])]);
  const featureFlat = flat(feature);
  const valid = g.node('GreaterOrEqual', [featureFlat, zero]);
  const keep = (t: string) => g.node('Compress', [flat(t), valid], { axis: 0 });
  const Vc = g.ints([V], true);
  const keys = g.node('Add', [g.node('Mul', [keep(featurePost), Vc]), g.node('Compress', [featureFlat, valid], { axis: 0 })]);
  const keptPos = keep(featurePos);

  // Unique on post*V+feature gives each (post, term) pair once, with its count: the sparse tf row.
  const [uniq, firstIndex, , counts] = g.nodeMulti('Unique', [keys], 4, { sorted: 1 }, '', [FRONT_END.termKeys, undefined, undefined, FRONT_END.termCounts]);
  const post = g.node('Div', [uniq as string, Vc]);
  const term = g.node('Sub', [uniq as string, g.node('Mul', [post, Vc])]);
  const countF = g.node('Cast', [counts as string], { to: DataType.FLOAT });
  const tf = model.sublinearTf ? g.node('Add', [g.node('Log', [countF]), g.floats([1], true)]) : countF;
  const idf = g.floatTensor(POST_SUMS.idf, [V], Float32Array.from(model.idf));
  const weight = g.node('Mul', [tf, g.node('Gather', [idf, term], { axis: 0 })]);

  // Per-post sums of [coefficient rows times weight | weight squared] as differences of a running sum
  // over the keys, which Unique gives sorted by post: time and memory O(U * C). The sum runs in
  // double so that the differences keep float precision. Earlier designs: a [N, U] post indicator
  // times a MatMul held N x U floats (one request of 256 posts within the 1 MB body limit reached
  // 354 MB resident, past a 256 MB function); ScatterND with reduction 'add' is run by onnxruntime on
  // several threads without synchronising duplicate indices, which lost updates (17 of 7,532 test
  // posts off by up to 0.09). The ScatterND here writes each post's row once: no duplicates.
  const coef = g.floatTensor(POST_SUMS.coef, [V, C], Float32Array.from(model.coef));
  const rows = g.node('Gather', [coef, term], { axis: 0 });
  const weightCol = g.node('Unsqueeze', [weight, g.ints([1])]);
  const perTerm = g.node('Concat', [g.node('Mul', [rows, weightCol]), g.node('Mul', [weightCol, weightCol])], { axis: 1 });
  const running = g.node('CumSum', [g.node('Cast', [perTerm], { to: DataType.DOUBLE }), zero]);
  // Each post's last key is where the next key's post differs (n, which no post equals, follows the
  // last key); the running sum there, minus the one at the previous post's last key, is the post's sum.
  // Only [P, C + 1] rows (P posts with terms) are copied: no Unique over the keys, no [U + 1] copy.
  const tail = (t: string) => g.node('Slice', [t, g.ints([1]), g.ints([Number.MAX_SAFE_INTEGER]), g.ints([0])]);
  const nAsVector = g.node('Reshape', [n, g.ints([1])]);
  const nextPost = tail(g.node('Concat', [post, nAsVector], { axis: 0 }));
  const isLast = g.node('Not', [g.node('Equal', [post, nextPost])]);
  const postsWithTerms = g.node('Compress', [post, isLast], { axis: 0 });
  const atLast = g.node('Compress', [running, isLast], { axis: 0 });
  const zeroRow = g.node('Cast', [g.floatTensor('zero_row', [1, C + 1], new Float32Array(C + 1))], { to: DataType.DOUBLE });
  const atPreviousLast = g.node('Slice', [g.node('Concat', [zeroRow, atLast], { axis: 0 }), g.ints([0]), g.ints([-1]), g.ints([0])]);
  const segments = g.node('Sub', [atLast, atPreviousLast]);
  const zeros = g.node('Expand', [g.floats([0], true), g.node('Concat', [nAsVector, g.ints([C + 1])], { axis: 0 })]);
  const sums = g.node('ScatterND', [zeros, g.node('Unsqueeze', [postsWithTerms, g.ints([1])]), g.node('Cast', [segments], { to: DataType.FLOAT })], {}, '', POST_SUMS.sums);
  const raw = g.node('Slice', [sums, g.ints([0]), g.ints([C]), g.ints([1])]);
  const sumSq = g.node('Slice', [sums, g.ints([C]), g.ints([C + 1]), g.ints([1])]);
  // A post without known terms keeps a zero vector (scikit-learn's normalize leaves it so).
  const norm = g.node('Max', [g.node('Sqrt', [sumSq]), g.floats([1e-30], true)]);
  const logits = g.node('Add', [g.node('Div', [raw, norm]), g.floatTensor('intercept', [C], Float32Array.from(model.intercept))]);
  const normOfTerm = g.node('Gather', [g.node('Reshape', [norm, g.ints([-1])]), post], { axis: 0 });
  const contrib = g.node('Mul', [rows, g.node('Unsqueeze', [g.node('Div', [weight, normOfTerm]), g.ints([1])])]);

  const probabilities = g.node('Softmax', [logits], { axis: 1 });
  const argmax = g.node('ArgMax', [logits], { axis: 1, keepdims: 0 });
  const label = g.node('LabelEncoder', [argmax], { keys_int64s: range(C), values_strings: [...model.labels], default_string: '' }, ML);

  // Explanation outputs: each (post, term)'s text, read back from the token cells it came from.
  const tokensFlat = flat(tokens);
  const pos = g.node('Gather', [keptPos, firstIndex as string], { axis: 0 });
  let tokenText = g.node('Gather', [tokensFlat, pos], { axis: 0 });
  if (hasBigrams) {
    const nextPos = g.node('Min', [g.node('Add', [pos, one]), g.node('Sub', [cells, one])]);
    const nextText = g.node('Gather', [tokensFlat, nextPos], { axis: 0 });
    const joined = g.node('StringConcat', [g.node('StringConcat', [tokenText, g.stringTensor('space', [], [' '])]), nextText]);
    const isBigram = g.node('Gather', [g.node('Cast', [g.int64Tensor('is_bigram', [V], ngramFlags(model.terms))], { to: DataType.BOOL }), term], {
      axis: 0,
    });
    tokenText = g.node('Where', [isBigram, joined, tokenText]);
  }

  g.output(GRAPH_IO.label, label, DataType.STRING, ['N']);
  g.output(GRAPH_IO.probabilities, probabilities, DataType.FLOAT, ['N', C]);
  g.output(GRAPH_IO.logits, logits, DataType.FLOAT, ['N', C]);
  g.output(GRAPH_IO.post, post, DataType.INT64, ['U']);
  g.output(GRAPH_IO.token, tokenText, DataType.STRING, ['U']);
  g.output(GRAPH_IO.contrib, contrib, DataType.FLOAT, ['U', C]);
  g.output(GRAPH_IO.tokenCount, tokenCount, DataType.INT64, ['N']);
  g.output(GRAPH_IO.knownTokenCount, knownCount, DataType.INT64, ['N']);

  return g.encode({
    name: 'tfidf-logistic-regression',
    opsets: OPSETS,
    metadata,
  });
}

/**
 * The model with its features numbered by document frequency, most frequent (lowest idf) first; ties
 * keep the fitted order. Which number a feature has inside the graph is the graph's own business
 * (nothing outside it names features by number), and this order makes every request cheaper: a post's
 * terms are mostly frequent ones, so their coefficient and idf rows, and the token table's entries
 * (its keys follow the features), fall in one compact, cache-resident block instead of being spread
 * alphabetically over the 4.5 MB coefficient table. Paired in one process on the test posts: p50 -9%,
 * p99 -6 to -10%, batch of 64 -5 to -15%.
 */
function mostFrequentFirst(model: LinearTextModel): LinearTextModel {
  const V = model.terms.length;
  const C = model.labels.length;
  const order = range(V).sort((a, b) => (model.idf[a] as number) - (model.idf[b] as number) || a - b);
  const coef = new Float64Array(V * C);
  order.forEach((from, to) => coef.set(model.coef.subarray(from * C, (from + 1) * C), to * C));
  return {
    ...model,
    terms: order.map((f) => model.terms[f] as string),
    idf: Float64Array.from(order, (f) => model.idf[f] as number),
    coef,
  };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function ngramFlags(terms: readonly string[]): number[] {
  return terms.map((t) => (isBigram(t) ? 1 : 0));
}

function wordTables(terms: readonly string[]) {
  const wordIndex = new Map<string, number>();
  const words: string[] = [];
  const split = terms.map((t) => t.split(' '));
  for (const parts of split) {
    for (const w of parts) {
      if (!wordIndex.has(w)) {
        wordIndex.set(w, words.length);
        words.push(w);
      }
    }
  }
  const W = words.length;
  const idOf = (w: string) => wordIndex.get(w) as number;
  const unigramOfWord = new Array<number>(W).fill(-1);
  const bigramKeys: number[] = [];
  const bigramFeatures: number[] = [];
  let maxN = 1;
  split.forEach((parts, f) => {
    maxN = Math.max(maxN, parts.length);
    if (parts.length === 1) unigramOfWord[idOf(parts[0] as string)] = f;
    // W + 2 because ids W (unknown word) and W + 1 (padding) exist in the graph: keys stay unique and a
    // key with either never matches a bigram.
    if (parts.length === 2) {
      bigramKeys.push(idOf(parts[0] as string) * (W + 2) + idOf(parts[1] as string));
      bigramFeatures.push(f);
    }
  });
  return { words, unigramOfWord, bigramKeys, bigramFeatures, maxN };
}
