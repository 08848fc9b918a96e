import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN_PATTERN, graphCharacters, tokenize, tokenizerGraph } from '../src/index.js';

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

  it('splits tokens where the graph does at letters its RE2 does not know, once graphCharacters has asked it', async () => {
    // Letters of recent Unicode versions (Cyrillic TJE, Latin additions, Todhri, Garay) among old ones.
    const recent = [0x1c89, 0xa7cb, 0xa7cd, 0xa7dc, 0x105c0, 0x10d50].map((cp) => String.fromCodePoint(cp));
    const texts = recent.flatMap((ch) => [`ab${ch}cd`, `Wörter${ch}${ch}Ende und ${ch}${ch}`, `${ch}x${ch}yz`]);
    const graph = await graphTokens(texts);
    const asGraph = await graphCharacters([texts], true);
    expect(texts.map((t) => tokenize(t, true, asGraph))).toEqual(graph);
    // Where this Node's Unicode tables know a letter the graph's do not, the plain tokenizer differs.
    const plainDiffers = texts.some((t, i) => JSON.stringify(tokenize(t)) !== JSON.stringify(graph[i]));
    expect(asGraph !== undefined).toBe(plainDiffers);
    // Latin-1 text asks nothing of the graph and changes nothing.
    expect(await graphCharacters([['Ça va très bien, merci: déjà vu!']], true)).toBeUndefined();
  });

  it('tokenizes every code point of planes 0 and 1 as the graph does, once graphCharacters has asked it', async () => {
    const hex = (cp: number) => `U+${cp.toString(16).toUpperCase()}`;
    const cps: number[] = [];
    for (let cp = 1; cp < 0x20000; cp++) if (cp < 0xd800 || cp > 0xdfff) cps.push(cp);
    // Two of each: the token pattern needs a run of two.
    const probes = cps.map((cp) => String.fromCodePoint(cp).repeat(2));
    const asGraph = await graphCharacters([probes], true);
    const differs: string[] = [];
    let plainDiffers = 0;
    for (let from = 0; from < probes.length; from += 4096) {
      const chunk = probes.slice(from, from + 4096);
      const graph = await graphTokens(chunk);
      chunk.forEach((probe, i) => {
        const theirs = JSON.stringify(graph[i]);
        if (JSON.stringify(tokenize(probe, true, asGraph)) !== theirs) differs.push(hex(cps[from + i] as number));
        if (JSON.stringify(tokenize(probe)) !== theirs) plainDiffers++;
      });
    }
    expect(differs).toEqual([]);
    // What the map is for: on this machine, thousands of letters newer than the graph's Unicode
    // tables (scripts encoded since Unicode 14), which JavaScript's tables know.
    expect(asGraph?.replacement.size ?? 0).toBe(plainDiffers);
  }, 120_000);

  it('stops at a NUL, as onnxruntime reads a text as a C string', async () => {
    const texts = ['first words\u0000hidden words', '\u0000nothing', 'no nul here'];
    const graph = await graphTokens(texts);
    expect(graph).toEqual([['first', 'words'], [], ['no', 'nul', 'here']]);
    expect(texts.map((t) => tokenize(t))).toEqual(graph);
  });

  it('replaces, before lowercasing, each mapped character by a space or by the character the graph keeps', () => {
    const asGraph = { pattern: /[\u00e9\u00c8]/gu, replacement: new Map([['\u00e9', ' '], ['\u00c8', 'x']]) };
    expect(tokenize('café crème ÈÈtude', true, asGraph)).toEqual(['caf', 'crème', 'xxtude']);
    expect(tokenize('café crème ÈÈtude', true)).toEqual(['café', 'crème', 'èètude']);
  });
});
