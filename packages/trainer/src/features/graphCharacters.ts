import * as ort from 'onnxruntime-node';
import { TrainerError } from '../errors.js';
import { PAD, tokenizerGraph } from '../onnx/exportOnnx.js';
import { TOKEN_PATTERN, tokenize } from './tokenize.js';

const NON_ASCII = /[^\x00-\x7f]/u;
const NON_ASCII_EACH = /[^\x00-\x7f]/gu;
/** Probes per onnxruntime run. */
const CHUNK = 4096;

/**
 * Characters of a text that the graph's front end takes otherwise than JavaScript would: each is
 * replaced, before the trainer lowercases and tokenizes, by a space (the graph splits tokens there)
 * or by the character the graph lowercases it to.
 */
export interface GraphCharacters {
  /** Matches every character of `replacement` (a global expression). */
  readonly pattern: RegExp;
  readonly replacement: ReadonlyMap<string, string>;
}

/**
 * What the graph's front end makes of each non-ASCII character of `corpora`, where the trainer's own
 * tokenizer (JavaScript's Unicode tables) would make something else of it: letters newer than the
 * graph's tables (U+A7CB, say: JavaScript lowercases it to an old letter; the graph's towlower leaves
 * it and its RE2 does not count it as a letter, so it splits there), or a lowercase that differs
 * between the graph's C library and JavaScript. Asked of the graph's own front end, one
 * two-character probe per character, as inference asks it; undefined when the two agree on every
 * character (always for Latin-1 text such as 20 Newsgroups). Throws when the graph keeps a character
 * as one the trainer's pattern cannot match.
 */
export async function graphCharacters(corpora: readonly (readonly string[])[], lowercase: boolean): Promise<GraphCharacters | undefined> {
  const seen = new Set<string>();
  for (const texts of corpora) {
    for (const text of texts) {
      if (!NON_ASCII.test(text)) continue;
      for (const [ch] of text.matchAll(NON_ASCII_EACH)) seen.add(ch);
    }
  }
  if (seen.size === 0) return undefined;
  const characters = [...seen];
  const session = await ort.InferenceSession.create(tokenizerGraph({ lowercase, tokenPattern: TOKEN_PATTERN }));
  const replacement = new Map<string, string>();
  try {
    for (let from = 0; from < characters.length; from += CHUNK) {
      const chunk = characters.slice(from, from + CHUNK);
      const probes = chunk.map((ch) => ch.repeat(2));
      const out = await session.run({ text: new ort.Tensor('string', probes, [probes.length]) });
      const grid = out.tokens as ort.Tensor;
      const width = grid.dims[1] ?? 0;
      const cells = grid.data as string[];
      chunk.forEach((ch, i) => {
        const row = cells.slice(i * width, (i + 1) * width).filter((t) => t !== PAD);
        const ours = tokenize(probes[i] as string, lowercase);
        if (row.length === ours.length && row.every((t, j) => t === ours[j])) return;
        if (row.length === 0) {
          replacement.set(ch, ' ');
          return;
        }
        // The graph keeps it, as another character than the trainer would (or where it would split).
        const kept = String.fromCodePoint(row[0]?.codePointAt(0) as number);
        const check = tokenize(kept.repeat(2), lowercase);
        if (row.length !== 1 || row[0] !== kept.repeat(2) || check.length !== 1 || check[0] !== row[0]) {
          throw new TrainerError(
            `the graph's front end turns U+${(ch.codePointAt(0) as number).toString(16)} x2 into ${JSON.stringify(row)}, which the trainer's tokenizer cannot reproduce`,
          );
        }
        replacement.set(ch, kept);
      });
    }
  } finally {
    await session.release();
  }
  if (replacement.size === 0) return undefined;
  const pattern = new RegExp(`[${[...replacement.keys()].map((ch) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`).join('')}]`, 'gu');
  return { pattern, replacement };
}
