import { describe, expect, it } from 'vitest';
import { ConfigError, DatasetError, TfidfVectorizer, type TfidfOptions } from '../src/index.js';

const base: TfidfOptions = {
  lowercase: true,
  stopWords: null,
  ngramRange: [1, 1],
  minDf: 1,
  maxDf: 1,
  maxFeatures: null,
  sublinearTf: false,
  smoothIdf: true,
};
const corpus = ['apple apple banana', 'banana cherry', 'cherry cherry cherry date'];

function row(m: ReturnType<typeof TfidfVectorizer.fit>['matrix'], i: number, terms: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let p = m.indptr[i] as number; p < (m.indptr[i + 1] as number); p++) out[terms[m.indices[p] as number] as string] = m.data[p] as number;
  return out;
}

describe('TfidfVectorizer', () => {
  it('computes smooth idf = ln((1+n)/(1+df)) + 1 and l2-normalised rows', () => {
    const { vectorizer, matrix } = TfidfVectorizer.fit(corpus, base);
    expect(vectorizer.terms).toEqual(['apple', 'banana', 'cherry', 'date']);
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    expect(Array.from(vectorizer.idf)).toEqual([idf(1), idf(2), idf(2), idf(1)].map((x) => expect.closeTo(x, 12)));
    const a = 2 * idf(1);
    const b = idf(2);
    const norm = Math.hypot(a, b);
    expect(row(matrix, 0, vectorizer.terms)).toEqual({ apple: expect.closeTo(a / norm, 12), banana: expect.closeTo(b / norm, 12) });
    for (let i = 0; i < 3; i++) {
      let sq = 0;
      for (let p = matrix.indptr[i] as number; p < (matrix.indptr[i + 1] as number); p++) sq += (matrix.data[p] as number) ** 2;
      expect(sq).toBeCloseTo(1, 12);
    }
  });

  it('raises idf to idfPower, in the weights and in the idf vector the graph exports', () => {
    const { vectorizer, matrix } = TfidfVectorizer.fit(corpus, { ...base, idfPower: 2 });
    const idf = (df: number) => (Math.log(4 / (1 + df)) + 1) ** 2;
    expect(Array.from(vectorizer.idf)).toEqual([idf(1), idf(2), idf(2), idf(1)].map((x) => expect.closeTo(x, 12)));
    const a = 2 * idf(1);
    const b = idf(2);
    const norm = Math.hypot(a, b);
    expect(row(matrix, 0, vectorizer.terms)).toEqual({ apple: expect.closeTo(a / norm, 12), banana: expect.closeTo(b / norm, 12) });
  });

  it('uses 1 + ln(tf) with sublinear_tf', () => {
    const { vectorizer, matrix } = TfidfVectorizer.fit(corpus, { ...base, sublinearTf: true });
    const r = row(matrix, 2, vectorizer.terms);
    const idf = (df: number) => Math.log(4 / (1 + df)) + 1;
    const c = (1 + Math.log(3)) * idf(2);
    const d = idf(1);
    expect(r.cherry).toBeCloseTo(c / Math.hypot(c, d), 12);
  });

  it('applies min_df as a count and max_df as a proportion', () => {
    const { vectorizer } = TfidfVectorizer.fit(corpus, { ...base, minDf: 2, maxDf: 0.9 });
    expect(vectorizer.terms).toEqual(['banana', 'cherry']);
    const { vectorizer: v2 } = TfidfVectorizer.fit(corpus, { ...base, maxDf: 0.5 });
    expect(v2.terms).toEqual(['apple', 'date']);
  });

  it('gives a ConfigError when max_df keeps fewer documents than min_df asks for', () => {
    // min_df a count (2), max_df a proportion: 0.5 of 3 documents is 1.5.
    const fit = () => TfidfVectorizer.fit(corpus, { ...base, minDf: 2, maxDf: 0.5 });
    expect(fit).toThrow(ConfigError);
    expect(fit).toThrow(/maxDf 0\.5 \(1\.5 of 3 documents\) is below minDf 2/);
  });

  it('gives a ConfigError, as scikit-learn raises, when pruning leaves no terms', () => {
    // No term is in all three documents.
    const fit = () => TfidfVectorizer.fit(corpus, { ...base, minDf: 3 });
    expect(fit).toThrow(ConfigError);
    expect(fit).toThrow(/no terms remain/);
  });

  it('gives a DatasetError when the documents hold no tokens at all', () => {
    expect(() => TfidfVectorizer.fit(['a b', '!!'], base)).toThrow(DatasetError);
    expect(() => TfidfVectorizer.fit(['the and of'], { ...base, stopWords: 'english' })).toThrow(/no tokens other than stop words/);
  });

  it('keeps the most frequent terms under max_features', () => {
    const { vectorizer } = TfidfVectorizer.fit(corpus, { ...base, maxFeatures: 2 });
    expect(vectorizer.terms).toEqual(['apple', 'cherry']);
  });

  it('builds n-grams and leaves unknown terms out of transform', () => {
    const { vectorizer } = TfidfVectorizer.fit(corpus, { ...base, ngramRange: [1, 2] });
    expect(vectorizer.terms).toContain('apple banana');
    const m = vectorizer.transform(['kiwi mango', 'banana cherry']);
    expect((m.indptr[1] as number) - (m.indptr[0] as number)).toBe(0);
    expect(Object.keys(row(m, 1, vectorizer.terms)).sort()).toEqual(['banana', 'banana cherry', 'cherry']);
  });
});
