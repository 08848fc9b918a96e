import type { Manifest } from '@org/classifier-artifact';
import * as ort from 'onnxruntime-node';
import { OOV_OUTPUTS } from '../constants.js';
import { InferenceError } from '../errors.js';
import { pathBodyFeeds, pathFeeds, pathFetches, pathLabels, type TermCountPath } from '../featurize/termCountPath.js';
import type { BodyRead } from '../featurize/wasmKernel.js';
import type { GraphSession } from '../model/graphSession.js';
import type { LoadedModel } from '../model/loadModel.js';
import { contributions, type ExplainOutputs, rowsByPost, type TokenWeight, topContributions } from './explain.js';

export interface LabelProbability {
  label: string;
  probability: number;
}

export interface Prediction extends LabelProbability {
  /** The `topK` most probable labels, most probable first (ties in manifest label order). */
  top: LabelProbability[];
  /** Present when `explain` > 0: the features that moved the predicted class's logit most. */
  explanation?: TokenWeight[];
}

export interface PredictOptions {
  /** Labels in `top` (1..number of labels). @default 1 */
  topK?: number;
  /** Features per explanation (0 = none). Needs a model with explanation outputs. @default 0 */
  explain?: number;
}

export interface BatchResult {
  predictions: Prediction[];
  /** Share of tokens not in the vocabulary, over the whole batch; undefined when the model does not expose it. */
  oovRate?: number;
}

/**
 * Runs a loaded classifier: one `session.run` per batch, fetching only the outputs the request needs
 * (label + probabilities; the explanation outputs only when `explain` > 0).
 */
export class Predictor {
  readonly manifest: Manifest;
  readonly labels: readonly string[];
  readonly supportsExplain: boolean;
  readonly supportsOov: boolean;
  private readonly session: GraphSession;
  private termCounts: TermCountPath | undefined;
  private readonly textSession: () => Promise<ort.InferenceSession>;
  private readonly explainSession: (() => Promise<ort.InferenceSession>) | undefined;
  private readonly warn: (message: string, error: unknown) => void;
  private readonly labelIndex: Map<string, number>;
  private readonly baseFetches: string[];
  private readonly explainFetches: string[];
  private readonly maxCharsPerRun: number;

  /**
   * @param options.warn told once if the term-count path fails (the predictor then runs the whole
   *   graph from text for good); default: nothing.
   */
  constructor(
    model: Pick<LoadedModel, 'manifest' | 'session' | 'termCounts' | 'textSession' | 'explainSession' | 'graphOutputs'>,
    options: { warn?: (message: string, error: unknown) => void; maxCharsPerRun?: number } = {},
  ) {
    this.manifest = model.manifest;
    this.maxCharsPerRun = options.maxCharsPerRun ?? MAX_CHARS_PER_RUN;
    this.session = model.session;
    this.termCounts = model.termCounts;
    this.textSession = model.textSession;
    this.explainSession = model.explainSession;
    this.warn = options.warn ?? (() => undefined);
    this.labels = model.manifest.labels;
    this.labelIndex = new Map(this.labels.map((l, i) => [l, i]));
    this.supportsExplain = model.manifest.explain !== undefined;
    // From text, the graph's own OOV outputs give the rate; on the term-count path the featurizer's counts do.
    const graphCountsTokens = model.graphOutputs.includes(OOV_OUTPUTS.tokens) && model.graphOutputs.includes(OOV_OUTPUTS.known);
    this.supportsOov = model.termCounts !== undefined || graphCountsTokens;
    this.baseFetches = [model.manifest.io.label, model.manifest.io.probabilities];
    if (graphCountsTokens) this.baseFetches.push(OOV_OUTPUTS.tokens, OOV_OUTPUTS.known);
    const e = model.manifest.explain;
    this.explainFetches = e ? [...this.baseFetches, e.post, e.token, e.contrib] : this.baseFetches;
  }

  /**
   * Predicts a batch in one onnxruntime run, or one per part when it is over `maxCharsPerRun`
   * (MAX_CHARS_PER_RUN and `runParts` say how each path measures). Callers validate
   * `topK`/`explain` ranges; this throws `InferenceError` on misuse.
   */
  async predict(texts: readonly string[], options: PredictOptions = {}): Promise<BatchResult> {
    const topK = options.topK ?? 1;
    const explain = options.explain ?? 0;
    if (texts.length === 0) return { predictions: [] };
    if (explain > 0 && !this.supportsExplain) throw new InferenceError('this model has no explanation outputs');
    const whole: PartResult = { predictions: [] };
    for (const [from, to] of runParts(texts, this.maxCharsPerRun)) {
      addPart(whole, await this.run(texts.slice(from, to), topK, explain));
    }
    return withOovRate(whole);
  }

  /**
   * Predictions for a request body, read where the featurizer scans it instead of by JSON.parse
   * (Featurizer.featurizeBody; WasmKernel.readBody has the figures): the article's form (a JSON array
   * of strings, or one string) or the rich form's object without explanations, and which form it
   * was. Undefined when the body must be parsed and its texts given to `predict`: any other body, a
   * text, a number of texts or a topK over `limits` or the labels, explanations asked for, more
   * characters than one run takes, a text the featurizer leaves to JavaScript, a model without the
   * term-count path. For a body it answers, `predict` of the parsed request gives the same predictions.
   */
  async predictBody(body: string, limits: { maxTexts: number; maxTextChars: number }): Promise<{ form: 'article' | 'rich'; batch: BatchResult } | undefined> {
    const path = this.termCounts;
    if (!path || body.length > this.maxCharsPerRun) return undefined;
    let fed: ReturnType<typeof pathBodyFeeds>;
    try {
      fed = pathBodyFeeds(path, body, { maxTexts: limits.maxTexts, maxUnits: limits.maxTextChars }, this.answersFromCounts);
    } catch (error) {
      this.termCountsFailed(error);
      return undefined;
    }
    if (!fed) return undefined;
    const { request } = fed;
    return { form: request.form, batch: withOovRate(await this.runOnce(request.topK, 0, { ...fed, posts: request.texts, path })) };
  }

  /** Whether a request read from a body is one the term-count path answers: labels in range, no explanations. */
  private readonly answersFromCounts = (request: BodyRead): boolean =>
    request.explain === 0 && request.topK >= 1 && request.topK <= this.labels.length;

  /**
   * Predictions for `texts`: one onnxruntime run from their term counts, or from text in parts cut by
   * padded size (a part of term counts is cut by characters only, so it may need cutting again).
   */
  private async run(texts: readonly string[], topK: number, explain: number): Promise<PartResult> {
    const fromCounts = explain === 0 ? await this.runFromTermCounts(texts, topK) : undefined;
    if (fromCounts) return fromCounts;
    const parts = runParts(texts, this.maxCharsPerRun, true);
    if (parts.length === 1) return this.runOnce(topK, explain, { texts });
    const whole: PartResult = { predictions: [] };
    for (const [from, to] of parts) addPart(whole, await this.runOnce(topK, explain, { texts: texts.slice(from, to) }));
    return whole;
  }

  /** Plain predictions from the featurizer's term counts; undefined when this batch must run from text. */
  private async runFromTermCounts(texts: readonly string[], topK: number): Promise<PartResult | undefined> {
    if (!this.termCounts) return undefined;
    const path = this.termCounts;
    let fed: Awaited<ReturnType<typeof pathFeeds>>;
    try {
      // Undefined for a batch with characters from too many blocks not yet asked: run it from text.
      fed = await pathFeeds(path, texts);
    } catch (error) {
      this.termCountsFailed(error);
      return undefined;
    }
    if (!fed) return undefined;
    return this.runOnce(topK, 0, { ...fed, posts: texts.length, path });
  }

  private termCountsFailed(error: unknown): void {
    // Not expected (the character table is asked of the graph itself), but a request must not
    // fail for it: the whole graph gives the same answer from text, a little slower.
    this.termCounts = undefined;
    this.warn('the term-count path failed; predictions run the whole graph from now on', error);
  }

  /**
   * One onnxruntime run over a batch, from its texts or from its term-count feeds (`posts` texts'
   * worth): predictions and token counts.
   */
  private async runOnce(
    topK: number,
    explain: number,
    from: { texts: readonly string[] } | { feeds: Record<string, ort.Tensor>; posts: number; tokens: number; known: number; path: TermCountPath },
  ): Promise<PartResult> {
    const io = this.manifest.io;
    const fromCounts = 'feeds' in from ? from : undefined;
    const posts = fromCounts ? fromCounts.posts : (from as { texts: readonly string[] }).texts.length;
    let out: ort.InferenceSession.OnnxValueMapType;
    if (fromCounts) out = await this.session.run(fromCounts.feeds, pathFetches(fromCounts.path, io));
    else {
      const texts = (from as { texts: readonly string[] }).texts;
      const session = explain > 0 && this.explainSession ? await this.explainSession() : await this.textSession();
      out = await session.run(
        { [io.input]: new ort.Tensor('string', texts as string[], [texts.length]) },
        explain > 0 ? this.explainFetches : this.baseFetches,
      );
    }
    const labels = fromCounts ? pathLabels(fromCounts.path, out, io) : (out[io.label]?.data as string[] | undefined);
    const probs = out[io.probabilities]?.data as Float32Array | undefined;
    const C = this.labels.length;
    if (!labels || !probs || labels.length !== posts || probs.length !== posts * C) {
      throw new InferenceError(`model outputs have unexpected shapes for a batch of ${posts}`);
    }

    let explainOut: ExplainOutputs | undefined;
    let rows: number[][] | undefined;
    const e = this.manifest.explain;
    if (explain > 0 && e) {
      explainOut = {
        post: out[e.post]?.data as BigInt64Array,
        token: out[e.token]?.data as string[],
        contrib: out[e.contrib]?.data as Float32Array,
        classes: C,
      };
      rows = rowsByPost(explainOut, posts);
    }

    const predictions: Prediction[] = new Array(posts);
    for (let n = 0; n < posts; n++) {
      const label = labels[n] as string;
      const cls = this.labelIndex.get(label);
      if (cls === undefined) throw new InferenceError(`model predicted "${label}", which is not in the manifest's labels`);
      const base = n * C;
      const prediction: Prediction = {
        label,
        probability: probs[base + cls] as number,
        top: topK === 1 ? [{ label, probability: probs[base + cls] as number }] : this.topLabels(probs, base, topK),
      };
      if (explainOut && rows) {
        prediction.explanation = topContributions(contributions(explainOut, rows[n] ?? [], cls), explain);
      }
      predictions[n] = prediction;
    }

    if (fromCounts) return { predictions, tokens: fromCounts.tokens, known: fromCounts.known };
    if (this.supportsOov) {
      const tokens = out[OOV_OUTPUTS.tokens]?.data as BigInt64Array | undefined;
      const known = out[OOV_OUTPUTS.known]?.data as BigInt64Array | undefined;
      if (tokens && known) {
        let t = 0n;
        let k = 0n;
        for (let n = 0; n < tokens.length; n++) {
          t += tokens[n] as bigint;
          k += known[n] as bigint;
        }
        return { predictions, tokens: Number(t), known: Number(k) };
      }
    }
    return { predictions };
  }

  /**
   * The `k` most probable labels of the post at `base`, most probable first, ties in label order: an
   * insertion into the k kept so far, for each label. Sorting every label's index with a comparator
   * per post cost about 3 us a post, a fifth of a batch of 64 with topK 3.
   */
  private topLabels(probs: Float32Array, base: number, k: number): LabelProbability[] {
    const top: LabelProbability[] = [];
    for (let c = 0; c < this.labels.length; c++) {
      const probability = probs[base + c] as number;
      if (top.length === k && probability <= (top[k - 1] as LabelProbability).probability) continue;
      // After every kept label at least as probable: an earlier label wins a tie.
      let at = top.length < k ? top.length : k - 1;
      while (at > 0 && (top[at - 1] as LabelProbability).probability < probability) at--;
      if (top.length === k) top.pop();
      top.splice(at, 0, { label: this.labels[c] as string, probability });
    }
    return top;
  }
}

interface PartResult {
  predictions: Prediction[];
  /** Tokens (stop words left out) and known tokens, when the run counted them. */
  tokens?: number;
  known?: number;
}

/** Appends `part`'s predictions and token counts to `whole`. */
function addPart(whole: PartResult, part: PartResult): void {
  for (const p of part.predictions) whole.predictions.push(p);
  if (part.tokens !== undefined) {
    whole.tokens = (whole.tokens ?? 0) + part.tokens;
    whole.known = (whole.known ?? 0) + (part.known ?? 0);
  }
}

function withOovRate({ predictions, tokens, known }: PartResult): BatchResult {
  return tokens !== undefined && tokens > 0 ? { predictions, oovRate: 1 - (known ?? 0) / tokens } : { predictions };
}

/**
 * Characters one onnxruntime run takes at most: a batch over it runs in consecutive parts (each text
 * whole), one run each. The graph's intermediate tensors grow with the batch's distinct (post, term)
 * pairs, which grow with its characters. The largest request the default limits allow (256 texts,
 * 1 MB) took the bench's process serving the default 1-2 gram model from 260 to 320 MB resident in
 * one run (past a 256 MB function once the bench's own 43 MB are left out), and to 265 MB in parts,
 * which were also faster (68 vs 111-123 ms). A batch of 64 test posts (about 120,000 characters)
 * still runs once. Runs from text count padded characters instead (see `runParts`).
 */
export const MAX_CHARS_PER_RUN = 262_144;

/**
 * [from, to) ranges of consecutive texts of at most `maxChars` characters each (a longer text alone).
 * `padded`: a run from text is measured as its number of texts times its longest text, because the
 * graph's Tokenizer pads every text of a batch to the longest one: one text of 100,000 characters
 * among 255 empty ones is a grid of 256 x 33,334 tokens, hundreds of megabytes of strings and
 * indices, though the batch holds only 100,000 characters.
 */
export function runParts(texts: readonly string[], maxChars: number, padded = false): [number, number][] {
  const parts: [number, number][] = [];
  let from = 0;
  let chars = 0;
  let longest = 0;
  for (let i = 0; i < texts.length; i++) {
    const length = (texts[i] as string).length;
    const cost = padded ? (i - from + 1) * Math.max(longest, length) : chars + length;
    if (i > from && cost > maxChars) {
      parts.push([from, i]);
      from = i;
      chars = 0;
      longest = 0;
    }
    chars += length;
    longest = Math.max(longest, length);
  }
  parts.push([from, texts.length]);
  return parts;
}
