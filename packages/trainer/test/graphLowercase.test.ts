import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATTERN, graphSeparators, tokenize, tokenizerGraph } from '../src/index.js';

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

  it('splits tokens where the graph does at letters its RE2 does not know, once graphSeparators has asked it', async () => {
    // Letters of recent Unicode versions (Cyrillic TJE, Latin additions, Todhri, Garay) among old ones.
    const recent = [0x1c89, 0xa7cb, 0xa7cd, 0xa7dc, 0x105c0, 0x10d50].map((cp) => String.fromCodePoint(cp));
    const texts = recent.flatMap((ch) => [`ab${ch}cd`, `Wörter${ch}${ch}Ende und ${ch}${ch}`, `${ch}x${ch}yz`]);
    const graph = await graphTokens(texts);
    const separators = await graphSeparators([texts], true);
    expect(texts.map((t) => tokenize(t, true, separators))).toEqual(graph);
    // Where this Node's Unicode tables know a letter the graph's do not, the plain tokenizer differs.
    const plainDiffers = texts.some((t, i) => JSON.stringify(tokenize(t)) !== JSON.stringify(graph[i]));
    expect(separators !== undefined).toBe(plainDiffers);
    // Latin-1 text asks nothing of the graph and changes nothing.
    expect(await graphSeparators([['Ça va très bien, merci: déjà vu!']], true)).toBeUndefined();
  });

  it('tokenizes every code point of planes 0 and 1 as the graph does, once graphSeparators has asked it', async () => {
    const lowercaseDiffers: string[] = [];
    const graphOnly: string[] = [];
    const withSeparatorsDiffers: string[] = [];
    let classGaps = 0;
    const hex = (cp: number) => `U+${cp.toString(16).toUpperCase()}`;
    const cps: number[] = [];
    for (let cp = 1; cp < 0x20000; cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
    // Two of each: the token pattern needs a run of two.
    const probes = cps.map((cp) => String.fromCodePoint(cp).repeat(2));
    const separators = await graphSeparators([probes], true);
    for (let from = 0; from < probes.length; from += 4096) {
      const chunk = probes.slice(from, from + 4096);
      const graph = await graphTokens(chunk);
      chunk.forEach((probe, i) => {
        const theirs = JSON.stringify(graph[i]);
        const cp = cps[from + i] as number;
        if (JSON.stringify(tokenize(probe, true, separators)) !== theirs) withSeparatorsDiffers.push(hex(cp));
        const ours = tokenize(probe);
        if (JSON.stringify(ours) === theirs) return;
        if (graph[i]?.length === 0) classGaps++;
        else if (ours.length === 0) graphOnly.push(hex(cp));
        else lowercaseDiffers.push(`${hex(cp)}: graph ${theirs}, trainer ${JSON.stringify(ours)}`);
      });
    }
    expect(withSeparatorsDiffers).toEqual([]);
    // Without them, only the graph's separators differ: no character lowercases differently, and
    // none the graph keeps is split by the trainer. They are letters newer than the graph's Unicode
    // tables (thousands, in scripts encoded since Unicode 14), which JavaScript's tables know.
    expect(lowercaseDiffers).toEqual([]);
    expect(graphOnly).toEqual([]);
    expect(classGaps).toBeLessThan(20_000);
  }, 120_000);
});
