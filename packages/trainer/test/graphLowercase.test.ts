import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATTERN, tokenize, tokenizerGraph } from '../src/index.js';

/**
 * The trainer's tokenizer against the graph's front end (StringNormalizer -> Tokenizer), character
 * by character: what the graph serves is what the model must have been trained on.
 */
describe('lowercasing as the graph does, beyond Latin-1', () => {
  let session: ort.InferenceSession;
  const graphTokens = async (texts: string[]): Promise<string[][]> => {
    const out = await session.run({ text: new ort.Tensor('string', texts, [texts.length]) });
    const grid = out.tokens as ort.Tensor;
    const width = grid.dims[1] ?? 0;
    const cells = grid.data as string[];
    return texts.map((_, i) => cells.slice(i * width, (i + 1) * width).filter((t) => t !== '#'));
  };

  beforeAll(async () => {
    session = await ort.InferenceSession.create(tokenizerGraph({ lowercase: true, tokenPattern: TOKEN_PATTERN }));
  });
  afterAll(async () => {
    await session?.release();
  });

  it('lowercases dotted capital I and capital sigma one code point at a time, in any context', async () => {
    const texts = ['İSTANBUL İzmir', 'ΟΔΟΣ ΣΟΦΙΑΣ', 'ΣΣ', 'ΚΑΛΗΜΕΡΑ Σ'];
    const graph = await graphTokens(texts);
    expect(graph).toEqual([['istanbul', 'izmir'], ['οδοσ', 'σοφιασ'], ['σσ'], ['καλημερα']]);
    expect(texts.map((t) => tokenize(t))).toEqual(graph);
  });

  it('gives every code point of planes 0 and 1 the graph lowercase, where both keep it in a token', async () => {
    const lowercaseDiffers: string[] = [];
    const graphOnly: string[] = [];
    let classGaps = 0;
    const hex = (cp: number) => `U+${cp.toString(16).toUpperCase()}`;
    for (let from = 1; from < 0x20000; from += 4096) {
      const cps: number[] = [];
      for (let cp = from; cp < from + 4096; cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
      // Two of each: the token pattern needs a run of two.
      const probes = cps.map((cp) => String.fromCodePoint(cp).repeat(2));
      const graph = await graphTokens(probes);
      probes.forEach((probe, i) => {
        const ours = tokenize(probe);
        const theirs = graph[i] as string[];
        if (JSON.stringify(ours) === JSON.stringify(theirs)) return;
        const cp = cps[i] as number;
        if (theirs.length === 0) classGaps++;
        else if (ours.length === 0) graphOnly.push(hex(cp));
        else lowercaseDiffers.push(`${hex(cp)}: graph ${JSON.stringify(theirs)}, trainer ${JSON.stringify(ours)}`);
      });
    }
    expect(lowercaseDiffers).toEqual([]);
    expect(graphOnly).toEqual([]);
    // What is left: letters newer than the Unicode tables of the graph's RE2, which it treats as
    // separators while JavaScript's tables know them (thousands, in scripts encoded since Unicode 14).
    expect(classGaps).toBeLessThan(20_000);
  }, 120_000);
});
