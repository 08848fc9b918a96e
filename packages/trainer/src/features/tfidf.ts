import type { FeaturizerParams } from '@org/classifier-artifact';
import { ConfigError, DatasetError } from '../errors.js';
import type { GraphCharacters } from './graphCharacters.js';
import type { Csr } from './sparse.js';
import { TOKEN_PATTERN, analyze } from './tokenize.js';

export interface TfidfOptions {
  lowercase: boolean;
  stopWords: 'english' | null;
  ngramRange: [number, number];
  /**
   * scikit-learn tells counts from proportions by type (int or float), which JSON cannot; here a
   * value below 1 is a proportion of the documents and 1 or more a count, except `maxDf: 1`, which
   * keeps its scikit-learn default meaning of 1.0 (every document).
   */
  minDf: number;
  maxDf: number;
  maxFeatures: number | null;
  sublinearTf: boolean;
  smoothIdf: boolean;
  /**
   * idf raised to this power (1: scikit-learn's tf-idf). Above 1 it shifts each post's l2-normalised
   * weight further toward its rare, topic-specific terms; the ONNX graph only sees the resulting idf
   * vector, so any power exports exactly. @default 1
   */
  idfPower?: number;
  /** Characters the graph's front end takes otherwise than JavaScript (`graphCharacters`). */
  graphCharacters?: GraphCharacters | undefined;
}

/**
 * Why `minDf` and `maxDf` keep no term whatever the corpus, when both are proportions or both counts;
 * undefined otherwise (a count against a proportion depends on the number of documents: `fit` checks).
 */
export function dfConflict(minDf: number, maxDf: number): string | undefined {
  const minIsShare = minDf < 1;
  const maxIsShare = maxDf <= 1;
  if (minIsShare !== maxIsShare || maxDf >= minDf) return undefined;
  return `maxDf ${maxDf} is below minDf ${minDf}: no term can be in at least minDf and at most maxDf documents`;
}

/** A fitted vectorizer: scikit-learn `TfidfVectorizer` semantics for the options above, norm l2. */
export class TfidfVectorizer {
  private constructor(
    readonly options: TfidfOptions,
    /** Sorted feature names, as scikit-learn orders `get_feature_names_out()`. */
    readonly terms: string[],
    readonly idf: Float64Array,
    private readonly index: Map<string, number>,
  ) {}

  static fit(texts: readonly string[], options: TfidfOptions): { vectorizer: TfidfVectorizer; matrix: Csr } {
    const n = texts.length;
    const df = new Map<string, number>();
    const tf = new Map<string, number>();
    const docs: string[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const terms = analyze(texts[i] as string, options);
      docs[i] = terms;
      const seen = new Set<string>();
      for (const t of terms) {
        tf.set(t, (tf.get(t) ?? 0) + 1);
        if (!seen.has(t)) {
          seen.add(t);
          df.set(t, (df.get(t) ?? 0) + 1);
        }
      }
    }
    if (df.size === 0) {
      throw new DatasetError(`empty vocabulary: the ${n} documents hold no tokens${options.stopWords ? ' other than stop words' : ''}`);
    }
    const maxDoc = options.maxDf <= 1 ? options.maxDf * n : options.maxDf;
    const minDoc = options.minDf < 1 ? options.minDf * n : options.minDf;
    // A config error, not a bug: the config check (dfConflict) cannot see this when one bound is a
    // count and the other a proportion, since it depends on the number of documents.
    if (maxDoc < minDoc) {
      throw new ConfigError(
        `maxDf ${options.maxDf} (${maxDoc} of ${n} documents) is below minDf ${options.minDf} (${minDoc} documents): no term can be kept`,
      );
    }
    let kept = [...df.entries()].filter(([, d]) => d >= minDoc && d <= maxDoc).map(([t]) => t);
    // scikit-learn raises here too; a model without features would train and export, and its manifest
    // (vocabularySize 0) would then fail inference at cold start.
    if (kept.length === 0) {
      throw new ConfigError(
        `after pruning, no terms remain: none of the ${df.size} terms occurs in at least minDf ${options.minDf} and at most ` +
          `maxDf ${options.maxDf} of the ${n} documents; lower minDf or raise maxDf`,
      );
    }
    if (options.maxFeatures !== null && kept.length > options.maxFeatures) {
      // The most frequent terms by total count, as scikit-learn; ties by vocabulary order. That tie rule
      // is ours and deterministic: scikit-learn ranks with numpy's argsort, which is not stable, so terms
      // tied at the cut may differ from its choice. Only the seed config (no maxFeatures) is claimed to
      // give scikit-learn's vocabulary exactly.
      kept.sort((a, b) => (tf.get(b) as number) - (tf.get(a) as number) || (a < b ? -1 : 1));
      kept = kept.slice(0, options.maxFeatures);
    }
    kept.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const index = new Map(kept.map((t, i) => [t, i]));
    const idf = new Float64Array(kept.length);
    const smooth = options.smoothIdf ? 1 : 0;
    const power = options.idfPower ?? 1;
    kept.forEach((t, i) => {
      const v = Math.log((n + smooth) / ((df.get(t) as number) + smooth)) + 1;
      idf[i] = power === 1 ? v : v ** power;
    });
    const vectorizer = new TfidfVectorizer(options, kept, idf, index);
    return { vectorizer, matrix: vectorizer.fromTerms(docs) };
  }

  get vocabularySize(): number {
    return this.terms.length;
  }

  transform(texts: readonly string[]): Csr {
    return this.fromTerms(texts.map((t) => analyze(t, this.options)));
  }

  /** Tf-idf rows, l2-normalised; columns sorted within each row. */
  private fromTerms(docs: readonly string[][]): Csr {
    const indptr = new Int32Array(docs.length + 1);
    const cols: number[] = [];
    const vals: number[] = [];
    const counts = new Map<number, number>();
    for (let i = 0; i < docs.length; i++) {
      counts.clear();
      for (const t of docs[i] as string[]) {
        const j = this.index.get(t);
        if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
      }
      const js = [...counts.keys()].sort((a, b) => a - b);
      let sq = 0;
      const start = vals.length;
      for (const j of js) {
        const c = counts.get(j) as number;
        const w = (this.options.sublinearTf ? 1 + Math.log(c) : c) * (this.idf[j] as number);
        cols.push(j);
        vals.push(w);
        sq += w * w;
      }
      const norm = Math.sqrt(sq);
      if (norm > 0) for (let p = start; p < vals.length; p++) vals[p] = (vals[p] as number) / norm;
      indptr[i + 1] = vals.length;
    }
    return { rows: docs.length, cols: this.terms.length, indptr, indices: Int32Array.from(cols), data: Float64Array.from(vals) };
  }

  params(): FeaturizerParams {
    const o = this.options;
    return {
      kind: 'tfidf',
      lowercase: o.lowercase,
      tokenPattern: TOKEN_PATTERN,
      stopWords: o.stopWords,
      ngramRange: o.ngramRange,
      minDf: o.minDf,
      maxDf: o.maxDf,
      maxFeatures: o.maxFeatures,
      sublinearTf: o.sublinearTf,
      smoothIdf: o.smoothIdf,
      ...(o.idfPower !== undefined && o.idfPower !== 1 ? { idfPower: o.idfPower } : {}),
      norm: 'l2',
      vocabularySize: this.terms.length,
    };
  }
}
