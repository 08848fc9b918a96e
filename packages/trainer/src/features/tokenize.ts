import type { GraphCharacters } from './graphCharacters.js';
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
  /** Characters the graph's front end takes otherwise than JavaScript (`graphCharacters`). */
  graphCharacters?: GraphCharacters | undefined;
}

/**
 * The two characters whose lowercase in JavaScript's `toLowerCase` (Unicode SpecialCasing, no
 * locale) is not their own lowercase code point: U+0130 (dotted capital I) becomes "i" plus a
 * combining dot, which then splits the word, and U+03A3 (capital sigma) becomes final sigma at a
 * word's end. The graph's StringNormalizer lowercases one code point at a time (the C library's
 * towlower: "i" and "σ"), and the graph is what serves, so the trainer lowercases as it does.
 * Compared with the graph over every code point of planes 0 and 1, these were the only two whose
 * lowercase differed (graphLowercase.test.ts).
 */
const CONTEXTUAL_LOWERCASE = /[\u0130\u03a3]/g;
const asGraphLowers = (c: string): string => (c === '\u0130' ? 'i' : '\u03c3');

/** Lowercases `text` as the graph's StringNormalizer does: each code point on its own. */
export function lowercaseAsGraph(text: string): string {
  return text.replace(CONTEXTUAL_LOWERCASE, asGraphLowers).toLowerCase();
}

export function tokenize(text: string, lowercase = true, graphCharacters?: GraphCharacters): string[] {
  // onnxruntime reads a string tensor's element as a C string: the graph never sees past a NUL.
  const nul = text.indexOf('\0');
  const seen = nul < 0 ? text : text.slice(0, nul);
  // The text's own characters are replaced, before lowercasing (a letter the graph does not know may
  // lowercase, in JavaScript, to one it does).
  const asGraph = graphCharacters ? seen.replace(graphCharacters.pattern, (ch) => graphCharacters.replacement.get(ch) ?? ch) : seen;
  return (lowercase ? lowercaseAsGraph(asGraph) : asGraph).match(TOKEN_RE) ?? [];
}

/** Tokens, stop words removed, then n-grams joined by one space, in scikit-learn's order. */
export function analyze(text: string, options: TokenizeOptions): string[] {
  let tokens = tokenize(text, options.lowercase, options.graphCharacters);
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
