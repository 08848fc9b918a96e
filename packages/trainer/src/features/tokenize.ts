import { ENGLISH_STOP_WORDS } from './stopWords.js';

/**
 * scikit-learn's default token pattern `(?u)\b\w\w+\b` selects maximal runs of two or more word
 * characters. Python's `\w` is a letter, a number or `_`, so the runs are exactly the matches of
 * `[\p{L}\p{N}_]{2,}`. The ONNX graph's Tokenizer (RE2) uses the same expression, which is what makes
 * train/serve token parity hold (tested over every post).
 */
export const TOKEN_PATTERN = '[\\p{L}\\p{N}_]{2,}';
const TOKEN_RE = new RegExp(TOKEN_PATTERN, 'gu');

export interface TokenizeOptions {
  lowercase: boolean;
  stopWords: 'english' | null;
  ngramRange: readonly [number, number];
}

export function tokenize(text: string, lowercase = true): string[] {
  return (lowercase ? text.toLowerCase() : text).match(TOKEN_RE) ?? [];
}

/** Tokens, stop words removed, then n-grams joined by one space, in scikit-learn's order. */
export function analyze(text: string, options: TokenizeOptions): string[] {
  let tokens = tokenize(text, options.lowercase);
  if (options.stopWords === 'english') tokens = tokens.filter((t) => !ENGLISH_STOP_WORDS.has(t));
  const [minN, maxN] = options.ngramRange;
  if (minN === 1 && maxN === 1) return tokens;
  const out: string[] = minN === 1 ? tokens.slice() : [];
  for (let n = Math.max(2, minN); n <= maxN; n++) {
    // Bigrams by concatenation: slice().join() per n-gram was most of the featurizing time.
    if (n === 2) for (let i = 0; i + 2 <= tokens.length; i++) out.push(`${tokens[i]} ${tokens[i + 1]}`);
    else for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
  }
  return out;
}
