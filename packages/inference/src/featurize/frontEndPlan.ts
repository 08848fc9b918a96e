import type { Manifest } from '@org/classifier-artifact';
import { attrByteList, attrInt, attrInts, attrString, ELEM, floatInitializerBytes, int64Initializer, readGraph, type WireGraph, type WireNode } from '../model/onnxWire.js';
import { subgraph } from '../model/subgraph.js';
import type { BigramTables } from './Featurizer.js';
import { PairTable } from './pairTable.js';
import { Vocabulary, type VocabularyKeys } from './vocabulary.js';
import type { SumTables } from './wasmKernel.js';

/**
 * The label as the graph computes it, LabelEncoder(ArgMax(logits)), from its parts: the session fetches
 * the ArgMax's int64 output and the label is read from the LabelEncoder's own table.
 */
export interface LabelIndex {
  /** The ArgMax output, fetched in place of the label. */
  tensor: string;
  /** The LabelEncoder's keys and labels, and its default_string for an index not among them. */
  labels: ReadonlyMap<number, string>;
  fallback: string;
}

/** Everything needed to run a model from its term counts, read from the model's own graph. */
export interface FrontEndPlan {
  /** The graph from text to its Tokenizer's tokens: what the character table is asked of. */
  tokenizerModel: Uint8Array;
  /**
   * The graph from (postCount, termKeys, termCounts) to the label and probabilities, cut on first use
   * (a model with `postSums` runs from those and never needs it).
   */
  readonly termCountModel: Uint8Array;
  /**
   * When the manifest declares `postSums` and the graph holds its tables: the graph from the per-post
   * sums to the label and probabilities, and the tables the kernel sums with.
   */
  postSums?: { model: Uint8Array; tensor: string; tables: SumTables; labelIndex?: LabelIndex };
  /** Why the manifest's `postSums` is not used, when it declares them. */
  postSumsUnsupported?: string;
  /** The token LabelEncoder's keys and values: the kernel builds its vocabulary from them (wasmKernel.ts). */
  vocabularyKeys: VocabularyKeys;
  /** A Vocabulary of `vocabularyKeys` in JavaScript arrays, built on first use (the server uses the kernel's). */
  readonly vocabulary: Vocabulary;
  /** 1-2 gram graphs: the vocabulary gives word ids, these give the features. */
  bigrams?: BigramTables;
  /** The Tokenizer pattern's minimum run of kept characters. */
  minRun: number;
  /** The Tokenizer's padding value (left out of its rows). */
  padValue: string;
  tensors: NonNullable<Manifest['frontEnd']>;
}

/**
 * Plans the term-count path for a model whose manifest declares `frontEnd`, or says why it cannot
 * (the model then runs whole, from text). Only the shape the trainer writes is accepted: the input,
 * an optional StringNormalizer without stop words, a Tokenizer whose pattern is one character class
 * with a minimum repetition and no start/end marks, and a LabelEncoder from tokens to feature ids
 * (word ids for 1-2 gram models, whose unigram and bigram tables are checked too).
 */
export function planFrontEnd(model: Uint8Array | WireGraph, manifest: Manifest): FrontEndPlan | { unsupported: string } {
  const tensors = manifest.frontEnd;
  if (!tensors) return { unsupported: 'the manifest declares no frontEnd' };
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) return { unsupported: 'this machine is big-endian' };
  const g = model instanceof Uint8Array ? readGraph(model) : model;
  if (!g) return { unsupported: 'the model has no graph' };
  const producer = (tensor: string): WireNode | undefined => g.nodes.find((n) => n.outputs.includes(tensor));

  const tokenizer = producer(tensors.tokens);
  if (tokenizer?.op !== 'Tokenizer') return { unsupported: `"${tensors.tokens}" is not a Tokenizer output` };
  const pattern = attrString(tokenizer, 'tokenexp') ?? '';
  // One bracketed class (no nested brackets), then {m,} or +: its matches are the maximal runs of at
  // least m class members, which is what the featurizer counts.
  const shape = /^\[(?:[^\[\]\\]|\\.)+\](?:\{(\d+),\}|(\+))$/u.exec(pattern);
  if (!shape) return { unsupported: `Tokenizer pattern ${JSON.stringify(pattern)} is not one character class repeated` };
  const minRun = shape[2] ? 1 : Number(shape[1]);
  if (minRun < 1 || (attrInt(tokenizer, 'mark') ?? 0) !== 0 || (attrInt(tokenizer, 'mincharnum') ?? 1) > minRun) {
    return { unsupported: 'the Tokenizer marks text boundaries or drops short tokens itself' };
  }
  const padValue = attrString(tokenizer, 'pad_value') ?? '#';
  // A probe of one character (charClasses.ts) must be told apart from the padding.
  if (minRun === 1 && [...padValue].length === 1) return { unsupported: 'the Tokenizer pads with a one-character token' };
  const tokenizerInput = tokenizer.inputs[0] ?? '';
  if (tokenizerInput !== manifest.io.input) {
    const normalizer = producer(tokenizerInput);
    if (normalizer?.op !== 'StringNormalizer' || normalizer.inputs[0] !== manifest.io.input || normalizer.attributes.has('stopwords')) {
      return { unsupported: 'the Tokenizer is not fed by the input or a StringNormalizer of it without stop words' };
    }
  }

  const encoder = producer(tensors.termIds);
  if (encoder?.op !== 'LabelEncoder' || encoder.inputs[0] !== tensors.tokens) return { unsupported: `"${tensors.termIds}" is not a LabelEncoder of the tokens` };
  const keys = attrByteList(encoder, 'keys_strings');
  const values = attrInts(encoder, 'values_int64s');
  if (!keys || !values || keys.ranges.length !== 2 * values.length) return { unsupported: 'the LabelEncoder has no string keys with int64 values' };
  const defaultValue = attrInt(encoder, 'default_int64') ?? -1;
  let bigrams: BigramTables | { unsupported: string } | undefined;
  if (tensors.bigrams) bigrams = bigramTables(g, tensors as Required<typeof tensors>, defaultValue, producer);
  // Values are kept as int32 (vocabulary.ts, and the WebAssembly kernel's address arithmetic).
  else if (values.some((v) => v >= tensors.keyStride) || defaultValue >= tensors.keyStride) return { unsupported: 'a feature id is not below the key stride' };
  if (values.some((v) => v < -(2 ** 31)) || defaultValue < -(2 ** 31)) return { unsupported: 'a LabelEncoder value is below -2^31' };
  if (bigrams && 'unsupported' in bigrams) return bigrams;

  try {
    const tokenizerModel = subgraph(g, { outputs: [{ name: tensors.tokens, elemType: ELEM.string, dims: ['N', 'L'] }] });
    const cutAtTermCounts = () =>
      subgraph(g, {
        inputs: [
          { name: tensors.postCount, elemType: ELEM.int64, dims: [] },
          { name: tensors.termKeys, elemType: ELEM.int64, dims: ['U'] },
          { name: tensors.termCounts, elemType: ELEM.int64, dims: ['U'] },
        ],
        outputs: [manifest.io.label, manifest.io.probabilities],
      });
    const vocabularyKeys: VocabularyKeys = { bytes: keys.attr, ranges: keys.ranges, values, defaultValue };
    const sums = planPostSums(g, manifest, producer);
    const postSums = sums && !('unsupported' in sums) ? sums : undefined;
    // Without per-post sums the term-count graph is what runs: cut now, so that a graph it cannot be cut from says so here.
    let termCountModel = postSums ? undefined : cutAtTermCounts();
    const plan = {
      tokenizerModel,
      vocabularyKeys,
      ...(bigrams ? { bigrams } : {}),
      ...(postSums ? { postSums } : {}),
      ...(sums && 'unsupported' in sums ? { postSumsUnsupported: sums.unsupported } : {}),
      minRun,
      padValue,
      tensors,
    };
    // Not enumerable: a spread, a clone or a log of the plan must not build them (the vocabulary took
    // 13-16 ms at init; the term-count graph is a 4.7 MB copy of most of the model, 7 ms warm).
    let vocabulary: Vocabulary | undefined;
    return Object.defineProperties(plan, {
      vocabulary: { get: () => (vocabulary ??= Vocabulary.of(vocabularyKeys)), enumerable: false },
      termCountModel: { get: () => (termCountModel ??= cutAtTermCounts()), enumerable: false },
    }) as FrontEndPlan;
  } catch (error) {
    return { unsupported: (error as Error).message };
  }
}

/**
 * The per-post sums' plan, or why the manifest's `postSums` cannot be used (undefined when it declares
 * none); the term-count session then takes keys and counts, which is exact too, only slower. Like
 * `termKeys`, `sums` is trusted to mean what the manifest says it means (docs/contracts.md section 1:
 * the trainer writes both); what is checked here is what the kernel reads: the tables' shapes, and
 * whether tf is the count or 1 + log(count) (the Cast of the counts feeds a Log, or the weight's Mul).
 */
function planPostSums(g: WireGraph, manifest: Manifest, producer: (tensor: string) => WireNode | undefined): FrontEndPlan['postSums'] | { unsupported: string } | undefined {
  const tensors = manifest.frontEnd;
  const declared = tensors?.postSums;
  if (!tensors || !declared) return undefined;
  const C = manifest.labels.length;
  const V = tensors.keyStride;
  const idf = floatInitializerBytes(g, declared.idf);
  const coef = floatInitializerBytes(g, declared.coef);
  if (idf?.bytes.length !== 4 * V || idf.dims.join() !== `${V}` || coef?.bytes.length !== 4 * V * C || coef.dims.join() !== `${V},${C}`) {
    return { unsupported: `"${declared.idf}" and "${declared.coef}" are not float [${V}] and [${V}, ${C}] initializers` };
  }
  if (producer(declared.sums) === undefined) return { unsupported: `no node produces "${declared.sums}"` };
  const consumers = (tensor: string) => g.nodes.filter((n) => n.inputs.includes(tensor));
  const casts = consumers(tensors.termCounts);
  const cast = casts[0];
  const next = cast?.op === 'Cast' && casts.length === 1 ? consumers(cast.outputs[0] ?? '') : [];
  const sublinearTf = next[0]?.op === 'Log';
  if (next.length !== 1 || (!sublinearTf && next[0]?.op !== 'Mul')) return { unsupported: `the term counts are not cast and then multiplied or logged` };
  const labelIndex = labelIndexOf(manifest, producer);
  try {
    const model = subgraph(g, {
      inputs: [{ name: declared.sums, elemType: ELEM.float, dims: ['N', C + 1] }],
      outputs: [labelIndex ? { name: labelIndex.tensor, elemType: ELEM.int64, dims: ['N'] } : manifest.io.label, manifest.io.probabilities],
    });
    return { model, tensor: declared.sums, tables: { idf: idf.bytes, coef: coef.bytes, classes: C, sublinearTf }, ...(labelIndex ? { labelIndex } : {}) };
  } catch (error) {
    return { unsupported: (error as Error).message };
  }
}

/**
 * The label's index and table when the graph's label is a LabelEncoder (int64 keys, string values) of
 * an ArgMax that drops its axis, else undefined (the session then fetches the label). Why: a string
 * output costs onnxruntime-node a JavaScript string per post, 20-27 us of a 58-66 us run of the sums
 * session for a batch of 64 (measured), more than the rest of its nodes; without it the run took
 * 21 us in the same process.
 */
function labelIndexOf(manifest: Manifest, producer: (tensor: string) => WireNode | undefined): LabelIndex | undefined {
  // The producer of a tensor, through Identity nodes (the trainer's graph names its outputs with them).
  const source = (tensor: string): WireNode | undefined => {
    let node = producer(tensor);
    for (let hops = 0; node?.op === 'Identity' && hops < 8; hops++) node = producer(node.inputs[0] ?? '');
    return node;
  };
  const encoder = source(manifest.io.label);
  const tensor = encoder?.op === 'LabelEncoder' ? (encoder.inputs[0] ?? '') : '';
  const argmax = source(tensor);
  if (!encoder || argmax?.op !== 'ArgMax' || attrInt(argmax, 'keepdims') !== 0) return undefined;
  const keys = attrInts(encoder, 'keys_int64s');
  const values = attrByteList(encoder, 'values_strings');
  if (!keys || !values || values.ranges.length !== 2 * keys.length || new Set(keys).size !== keys.length) return undefined;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  try {
    const labels = new Map(keys.map((k, i) => [k, utf8.decode(values.attr.subarray(values.ranges[2 * i], values.ranges[2 * i + 1]))] as const));
    return { tensor, labels, fallback: attrString(encoder, 'default_string') ?? '_Unused' };
  } catch {
    // A label that is not UTF-8: left to onnxruntime, which has its own way with it.
    return undefined;
  }
}

/**
 * The word -> unigram table and the bigram table of a 1-2 gram graph, after checking that the bigram
 * LabelEncoder really reads first * (W + 2) + second of adjacent word ids (W: the word encoder's
 * default, the unknown word), which is what the featurizer computes.
 */
function bigramTables(
  g: WireGraph,
  tensors: Required<NonNullable<Manifest['frontEnd']>>,
  unknownWord: number,
  producer: (tensor: string) => WireNode | undefined,
): BigramTables | { unsupported: string } {
  const stride = unknownWord + 2;
  const unigramOfWord = int64Initializer(g, tensors.bigrams.unigramOfWord);
  if (!unigramOfWord || unigramOfWord.length !== stride || unigramOfWord.some((f) => f >= tensors.keyStride)) {
    return { unsupported: `"${tensors.bigrams.unigramOfWord}" is not an int64 table of W + 2 = ${stride} features` };
  }
  const encoder = producer(tensors.bigrams.bigramIds);
  const add = encoder?.op === 'LabelEncoder' ? producer(encoder.inputs[0] ?? '') : undefined;
  const mul = add?.op === 'Add' ? producer(add.inputs[0] ?? '') : undefined;
  const slice = (name: string | undefined, start: number) => {
    const n = producer(name ?? '');
    return n?.op === 'Slice' && n.inputs[0] === tensors.termIds && int64Initializer(g, n.inputs[1] ?? '')?.[0] === start;
  };
  const multiplier = int64Initializer(g, mul?.inputs[1] ?? '');
  if (!encoder || mul?.op !== 'Mul' || multiplier?.[0] !== stride || !slice(mul.inputs[0], 0) || !slice(add?.inputs[1], 1)) {
    return { unsupported: `"${tensors.bigrams.bigramIds}" is not a LabelEncoder of first * ${stride} + second over adjacent word ids` };
  }
  const keys = attrInts(encoder, 'keys_int64s');
  const values = attrInts(encoder, 'values_int64s');
  if (!keys || !values || keys.length !== values.length || values.some((f) => f >= tensors.keyStride) || (attrInt(encoder, 'default_int64') ?? -1) !== -1) {
    return { unsupported: 'the bigram LabelEncoder has no int64 keys and features with default -1' };
  }
  return { unigramOfWord: Int32Array.from(unigramOfWord), pairs: new PairTable(keys, values, stride) };
}
