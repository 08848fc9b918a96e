import * as ort from 'onnxruntime-node';
import { PAD, tokenizerGraph } from '../onnx/exportOnnx.js';
import { lowercaseAsGraph, TOKEN_PATTERN } from './tokenize.js';

const NON_ASCII = /[^\x00-\x7f]/u;
const NON_ASCII_EACH = /[^\x00-\x7f]/gu;
const KEPT_BY_JAVASCRIPT = /^[\p{L}\p{N}_]$/u;
/** Probes per onnxruntime run. */
const CHUNK = 4096;

/**
 * The characters of `corpora` that the trainer's tokenizer would keep in a token (JavaScript's Unicode
 * tables make a letter or number of them, lowercased) and the graph's front end does not (its
 * towlower and RE2 have older tables: U+A7CB, say, which JavaScript lowercases to an old letter, the
 * graph leaves alone and then does not count as a letter). The graph splits tokens there, so the
 * trainer must too (as `TokenizeOptions.separators`), or it would learn words the serving graph never
 * produces. Asked of the graph's own front end, one two-character probe per candidate; undefined when
 * there are none (always for Latin-1 text such as 20 Newsgroups).
 */
export async function graphSeparators(corpora: readonly (readonly string[])[], lowercase: boolean): Promise<RegExp | undefined> {
  const candidates = new Set<number>();
  for (const texts of corpora) {
    for (const text of texts) {
      if (!NON_ASCII.test(text)) continue;
      for (const [ch] of text.matchAll(NON_ASCII_EACH)) {
        const cp = ch.codePointAt(0) as number;
        if (candidates.has(cp)) continue;
        const seen = lowercase ? String.fromCodePoint(lowercaseAsGraph(ch).codePointAt(0) as number) : ch;
        if (KEPT_BY_JAVASCRIPT.test(seen)) candidates.add(cp);
      }
    }
  }
  if (candidates.size === 0) return undefined;
  const codePoints = [...candidates];
  const session = await ort.InferenceSession.create(tokenizerGraph({ lowercase, tokenPattern: TOKEN_PATTERN }));
  const separators: number[] = [];
  try {
    for (let from = 0; from < codePoints.length; from += CHUNK) {
      const chunk = codePoints.slice(from, from + CHUNK);
      const probes = chunk.map((cp) => String.fromCodePoint(cp).repeat(2));
      const out = await session.run({ text: new ort.Tensor('string', probes, [probes.length]) });
      const grid = out.tokens as ort.Tensor;
      const width = grid.dims[1] ?? 0;
      const cells = grid.data as string[];
      chunk.forEach((cp, i) => {
        // No token but padding: the graph splits there.
        if (width === 0 || cells[i * width] === PAD) separators.push(cp);
      });
    }
  } finally {
    await session.release();
  }
  if (separators.length === 0) return undefined;
  return new RegExp(`[${separators.map((cp) => `\\u{${cp.toString(16)}}`).join('')}]`, 'gu');
}
