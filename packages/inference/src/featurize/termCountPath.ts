/**
 * Opening the term-count path of a loaded model (featurize/Featurizer.ts says why it exists): the
 * graph cut at its term counts, the featurizer that feeds it, and the feeds of one batch.
 */
import type { Manifest } from '@org/classifier-artifact';
import * as ort from 'onnxruntime-node';
import type { GraphSession } from '../model/graphSession.js';
import { CharClasses } from './charClasses.js';
import { Featurizer, type PostSums, type TermCounts } from './Featurizer.js';
import { type FrontEndPlan, type LabelIndex, planFrontEnd } from './frontEndPlan.js';
import type { WireGraph } from '../model/onnxWire.js';
import { graphTokenizer } from './graphTokenizer.js';
import type { Vocabulary } from './vocabulary.js';
import { type BodyLimits, type BodyRead, WasmKernel } from './wasmKernel.js';

/** Plain predictions from term counts: the featurizer, and the names of the tensors `session` takes. */
export interface TermCountPath {
  featurizer: Featurizer;
  tensors: NonNullable<Manifest['frontEnd']>;
  /** Set when the session takes the per-post sums (the featurizer's `featurizeSums`): that input's name. */
  sumsTensor?: string;
  /** Set when the session gives the label's index rather than the label (frontEndPlan.ts `LabelIndex`). */
  labelIndex?: LabelIndex;
}

/** What a run of the path's session fetches: the label (or its index) and the probabilities. */
export function pathFetches(path: TermCountPath, io: Manifest['io']): string[] {
  return [path.labelIndex?.tensor ?? io.label, io.probabilities];
}

/** Each post's label from a run of the path's session (undefined when the output is missing). */
export function pathLabels(path: TermCountPath, out: ort.InferenceSession.OnnxValueMapType, io: Manifest['io']): string[] | undefined {
  const index = path.labelIndex;
  if (!index) return out[io.label]?.data as string[] | undefined;
  const data = out[index.tensor]?.data as BigInt64Array | undefined;
  return data && Array.from(data, (i) => index.labels.get(Number(i)) ?? index.fallback);
}

/** The term-count session and the featurizer, the graph's Tokenizer asked about Latin-1 up front. */
export async function openTermCountPath(
  plan: FrontEndPlan,
  create: (bytes: Uint8Array, kind?: 'text' | 'termCounts') => Promise<GraphSession>,
  manifest: Manifest,
  options: { postSums?: boolean } = {},
): Promise<{ session: GraphSession; termCounts: TermCountPath }> {
  // From the per-post sums when the graph declares them: the session is then the nodes past the sums
  // (norm, logits, softmax, the label's index: frontEndPlan.ts `LabelIndex`), and the kernel weights and sums the terms
  // (featurize.wat `accumulate`) where the graph spent six to seven passes over [U, C + 1] tensors.
  // Featurize + run, in one process, alternating with the session from keys and counts, medians of
  // two runs: one short test post 58.6-85.8 -> 31.4-47.2 us, the 60 long posts around the p99
  // 162.7-210.1 -> 105.6-152.7 us, batches of 64 2.06-2.09 -> 1.64-1.68 ms. Bit for bit the same
  // sums and probabilities for raw-count tf (tested on every test post; wasmKernel.ts `sublinearTf` for the other).
  const sums = options.postSums === false ? undefined : plan.postSums;
  const [session, tokenizer] = await Promise.all([create(sums?.model ?? plan.termCountModel, 'termCounts'), create(plan.tokenizerModel)]);
  // The kernel builds the vocabulary in its own memory, from the graph's keys.
  const kernel = new WasmKernel({
    vocabulary: plan.vocabularyKeys,
    keyStride: plan.tensors.keyStride,
    ...(plan.bigrams ? { bigrams: plan.bigrams } : {}),
    ...(sums ? { sums: sums.tables } : {}),
  });
  const vocabulary = kernel.vocabulary as Vocabulary;
  const classes = new CharClasses(graphTokenizer(tokenizer, manifest.io.input, plan.tensors.tokens, plan.padValue), plan.minRun, kernel.table, kernel.wideSeparators);
  // Most text needs no other block, and the first request should not have to ask.
  await classes.ask([0]);
  const featurizer = new Featurizer(classes, vocabulary, plan.tensors.keyStride, plan.bigrams, kernel);
  return {
    session,
    termCounts: { featurizer, tensors: plan.tensors, ...(sums ? { sumsTensor: sums.tensor } : {}), ...(sums?.labelIndex ? { labelIndex: sums.labelIndex } : {}) },
  };
}

/** The plan, or why there is none (a model whose graph cannot be read runs whole, from text). */
export function planOrReason(model: Uint8Array | WireGraph, manifest: Manifest): FrontEndPlan | { unsupported: string } {
  try {
    return planFrontEnd(model, manifest);
  } catch (error) {
    return { unsupported: `the graph could not be read: ${(error as Error).message}` };
  }
}

/** The term-count session's feeds for a featurized batch of `posts` texts. */
export function termCountFeeds(counts: TermCounts, posts: number, tensors: TermCountPath['tensors']): Record<string, ort.Tensor> {
  return {
    [tensors.postCount]: new ort.Tensor('int64', BigInt64Array.of(BigInt(posts)), []),
    [tensors.termKeys]: new ort.Tensor('int64', counts.keys, [counts.keys.length]),
    [tensors.termCounts]: new ort.Tensor('int64', counts.counts, [counts.counts.length]),
  };
}

/** The sums session's feeds for a batch of `posts` (at least one) texts. */
export function postSumsFeeds(sums: PostSums, posts: number, tensor: string): Record<string, ort.Tensor> {
  if (!(posts > 0) || sums.sums.length % posts !== 0) throw new RangeError(`${sums.sums.length} sums are not a row per post of ${posts}`);
  return { [tensor]: new ort.Tensor('float32', sums.sums, [posts, sums.sums.length / posts]) };
}

/**
 * The path's session feeds for `texts` (per-post sums or term counts, whichever the session takes)
 * and the batch's token counts; undefined when the batch must run from text (Featurizer.featurize).
 */
export async function pathFeeds(path: TermCountPath, texts: readonly string[]): Promise<{ feeds: Record<string, ort.Tensor>; tokens: number; known: number } | undefined> {
  if (path.sumsTensor) {
    const sums = await path.featurizer.featurizeSums(texts);
    return sums && { feeds: postSumsFeeds(sums, texts.length, path.sumsTensor), tokens: sums.tokens, known: sums.known };
  }
  const counts = await path.featurizer.featurize(texts);
  return counts && { feeds: termCountFeeds(counts, texts.length, path.tensors), tokens: counts.tokens, known: counts.known };
}

/**
 * The path's session feeds for the texts of a JSON request body read without JSON.parse
 * (Featurizer.featurizeBody, which `wanted` may turn a request down in), and the request it held;
 * undefined when the body must be parsed and its texts given to `pathFeeds`.
 */
export function pathBodyFeeds(
  path: TermCountPath,
  body: string,
  limits: BodyLimits,
  wanted?: (request: BodyRead) => boolean,
): { feeds: Record<string, ort.Tensor>; request: BodyRead; tokens: number; known: number } | undefined {
  const read = path.featurizer.featurizeBody(body, limits, path.sumsTensor ? 'sums' : 'keys', wanted);
  if (!read || read.request.texts === 0) return undefined;
  const { request, result } = read;
  const feeds = 'sums' in result
    ? postSumsFeeds(result, request.texts, path.sumsTensor as string)
    : termCountFeeds(result, request.texts, path.tensors);
  return { feeds, request, tokens: result.tokens, known: result.known };
}
