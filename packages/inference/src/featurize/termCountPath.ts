/**
 * Opening the term-count path of a loaded model (featurize/Featurizer.ts says why it exists): the
 * graph cut at its term counts, the featurizer that feeds it, and the feeds of one batch.
 */
import type { Manifest } from '@org/classifier-artifact';
import * as ort from 'onnxruntime-node';
import type { GraphSession } from '../model/graphSession.js';
import { CharClasses } from './charClasses.js';
import { Featurizer, type TermCounts } from './Featurizer.js';
import { type FrontEndPlan, planFrontEnd } from './frontEndPlan.js';
import type { WireGraph } from '../model/onnxWire.js';
import { graphTokenizer } from './graphTokenizer.js';
import type { Vocabulary } from './vocabulary.js';
import { WasmKernel } from './wasmKernel.js';

/** Plain predictions from term counts: the featurizer, and the names of the tensors `session` takes. */
export interface TermCountPath {
  featurizer: Featurizer;
  tensors: NonNullable<Manifest['frontEnd']>;
}

/** The term-count session and the featurizer, the graph's Tokenizer asked about Latin-1 up front. */
export async function openTermCountPath(
  plan: FrontEndPlan,
  create: (bytes: Uint8Array, kind?: 'text' | 'termCounts') => Promise<GraphSession>,
  manifest: Manifest,
): Promise<{ session: GraphSession; termCounts: TermCountPath }> {
  const [session, tokenizer] = await Promise.all([create(plan.termCountModel, 'termCounts'), create(plan.tokenizerModel)]);
  // The kernel builds the vocabulary in its own memory, from the graph's keys.
  const kernel = new WasmKernel({ vocabulary: plan.vocabularyKeys, keyStride: plan.tensors.keyStride, ...(plan.bigrams ? { bigrams: plan.bigrams } : {}) });
  const vocabulary = kernel.vocabulary as Vocabulary;
  const classes = new CharClasses(graphTokenizer(tokenizer, manifest.io.input, plan.tensors.tokens, plan.padValue), plan.minRun, kernel.table, kernel.wideSeparators);
  // Most text needs no other block, and the first request should not have to ask.
  await classes.ask([0]);
  return { session, termCounts: { featurizer: new Featurizer(classes, vocabulary, plan.tensors.keyStride, plan.bigrams, kernel), tensors: plan.tensors } };
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
