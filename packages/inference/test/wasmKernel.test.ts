/**
 * The WebAssembly kernel (featurize/featurize.wat, wasmKernel.ts): its tokens and counts must be the
 * JavaScript featurizer's, whatever the text, and it must leave to JavaScript every text it cannot
 * scan. The featurizer's counts against the graph itself are held in termCounts.test.ts, on this path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '@org/classifier-artifact';
import { FRONT_END, loadNewsgroups } from '@org/classifier-trainer';
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { assembleKernel, KERNEL_MODULES, kernelWasmSource } from '../scripts/assembleKernel.js';
import { CharClasses } from '../src/featurize/charClasses.js';
import { Featurizer, type TermCounts } from '../src/featurize/Featurizer.js';
import { planFrontEnd } from '../src/featurize/frontEndPlan.js';
import { graphTokenizer } from '../src/featurize/graphTokenizer.js';
import { hashUnits, Vocabulary, type VocabularyKeys } from '../src/featurize/vocabulary.js';
import { MAX_BODY_UNITS, MAX_SCAN_UNITS, WasmKernel } from '../src/featurize/wasmKernel.js';
import { loadModel } from '../src/model/loadModel.js';
import { trainedArtifactDir } from './helpers/artifacts.js';

const dir = trainedArtifactDir();
let tokenizer: ort.InferenceSession | undefined;
afterAll(async () => tokenizer?.release());

/**
 * Featurizers on the trained model: counting in the kernel (`wasm`), only scanning in it (`scanOnly`),
 * and all in JavaScript (`js`).
 */
async function featurizers() {
  const bytes = readFileSync(join(dir, 'model.onnx'));
  const manifest = parseManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'), 'manifest.json');
  const plan = planFrontEnd(bytes, manifest);
  if ('unsupported' in plan) throw new Error(plan.unsupported);
  tokenizer ??= await ort.InferenceSession.create(plan.tokenizerModel);
  const tokenize = graphTokenizer(tokenizer, manifest.io.input, FRONT_END.tokens, plan.padValue);
  const kernel = new WasmKernel({ vocabulary: plan.vocabulary, keyStride: plan.tensors.keyStride });
  const classes = new CharClasses(tokenize, plan.minRun, kernel.table, kernel.wideSeparators);
  const scanner = new WasmKernel();
  const scanOnlyClasses = new CharClasses(tokenize, plan.minRun, scanner.table, scanner.wideSeparators);
  await Promise.all([classes.ask([0]), scanOnlyClasses.ask([0])]);
  return {
    kernel,
    scanner,
    wasm: new Featurizer(classes, plan.vocabulary, plan.tensors.keyStride, plan.bigrams, kernel),
    scanOnly: new Featurizer(scanOnlyClasses, plan.vocabulary, plan.tensors.keyStride, plan.bigrams, scanner),
    js: new Featurizer(classes, plan.vocabulary, plan.tensors.keyStride, plan.bigrams),
  };
}

async function counted(f: Featurizer, texts: readonly string[]): Promise<TermCounts> {
  for (let i = 0; i < 100; i++) {
    const c = await f.featurize(texts);
    if (c) return c;
  }
  throw new Error('never counted');
}

const plain = (c: TermCounts) => ({ keys: Array.from(c.keys), counts: Array.from(c.counts), tokens: c.tokens, known: c.known });

describe('the WebAssembly kernel', () => {
  it.each(KERNEL_MODULES.map((m) => [m.wat.split('/').pop(), m] as const))('is the assembly of %s (generated: npm run assemble-kernel)', async (_, module) => {
    expect(readFileSync(module.module, 'utf8')).toBe(kernelWasmSource(module, await assembleKernel(module.wat)));
  });

  it('counts every test post as JavaScript does, and scans and counts nearly all of them itself', async () => {
    const { kernel, wasm, scanOnly, js } = await featurizers();
    const scans = vi.spyOn(kernel, 'scan');
    const counts = vi.spyOn(kernel, 'count');
    const { test } = await loadNewsgroups();
    for (let i = 0; i < test.texts.length; i += 64) {
      const batch = test.texts.slice(i, i + 64);
      const expected = plain(await counted(js, batch));
      expect(plain(await counted(wasm, batch))).toEqual(expected);
      expect(plain(await counted(scanOnly, batch))).toEqual(expected);
    }
    const results = scans.mock.results.map((r) => r.value as number);
    expect(counts.mock.calls.length).toBe(results.filter((n) => n >= 0).length);
    const scanned = results.filter((n) => n >= 0).length;
    // Test posts with a character outside the table as first asked (Latin-1) go to JavaScript.
    expect(scanned / test.texts.length).toBeGreaterThan(0.9);
    expect(results.some((n) => n < 0)).toBe(true);
  }, 120_000);

  it('counts arbitrary text as the JavaScript scan does (property: Unicode, NUL, lone surrogates)', async () => {
    const { wasm, scanOnly, js } = await featurizers();
    const pieces = ['nasa', 'Space', 'THE', 'für', 'ẞtraße', 'Σίσυφος', 'İstanbul', '\u0000', '\ud800', '😀', ' ', '\n', '_', 'x'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'binary', maxLength: 5 }), fc.string({ maxLength: 8 })), { maxLength: 25 }).map((p) => p.join('')),
        fc.array(fc.constantFrom(...pieces), { maxLength: 10 }).map((p) => p.join(' ')),
        async (a, b) => {
          const expected = plain(await counted(js, [a, b]));
          expect(plain(await counted(wasm, [a, b]))).toEqual(expected);
          expect(plain(await counted(scanOnly, [a, b]))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scans ASCII 16 units at a time as it scans through the table, whatever ASCII the table keeps (property)', () => {
    // Tokens as the table gives them, one unit at a time: the reference.
    const reference = (table: Uint16Array, text: string, minRun: number) => {
      const tokens: string[] = [];
      let run = '';
      for (const unit of text) {
        const c = table[unit.charCodeAt(0)] as number;
        if (c !== 0) run += String.fromCharCode(c);
        else {
          if (run.length >= minRun) tokens.push(run);
          run = '';
        }
      }
      return run.length >= minRun ? [...tokens, run] : tokens;
    };
    const scanned = (kernel: WasmKernel, text: string, minRun: number) => {
      const n = kernel.scan(text, minRun);
      return Array.from({ length: n }, (_, k) => {
        const [start, length, hash] = kernel.records.subarray(3 * k, 3 * k + 3) as unknown as [number, number, number];
        expect(hash).toBe(hashUnits(kernel.units, start, length));
        return String.fromCharCode(...kernel.units.subarray(start, start + length));
      });
    };
    const lowered = new WasmKernel();
    const asIs = new WasmKernel();
    for (const kernel of [lowered, asIs]) for (let c = 0x80; c < 0xd800; c++) kernel.table[c] = c;
    fc.assert(
      fc.property(
        fc.array(fc.boolean(), { minLength: 128, maxLength: 128 }),
        // Mostly ASCII, so that most 16-unit steps are all ASCII; now and then a unit that is not.
        fc
          .array(fc.oneof({ arbitrary: fc.integer({ min: 1, max: 127 }), weight: 30 }, { arbitrary: fc.constantFrom(0xe9, 0x3a3), weight: 1 }), { maxLength: 200, size: 'max' })
          .map((units) => String.fromCharCode(...units)),
        fc.integer({ min: 1, max: 3 }),
        (kept, text, minRun) => {
          for (let c = 1; c < 128; c++) {
            const upper = c >= 0x41 && c <= 0x5a;
            // Lowercased: the steps' own rule. As is: a table they must leave to the unit-at-a-time path.
            lowered.table[c] = kept[c] ? (upper ? c + 32 : c) : 0;
            asIs.table[c] = kept[c] ? c : 0;
          }
          for (const kernel of [lowered, asIs]) expect(scanned(kernel, text, minRun)).toEqual(reference(kernel.table, text, minRun));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('scans nothing before its table is the character table, counts only with a vocabulary, and a featurizer refuses another table', async () => {
    const fresh = new WasmKernel();
    expect(fresh.scan('hello world', 2)).toBe(-1);
    expect(() => fresh.count(0)).toThrow(/vocabulary/);
    const { wasm } = await featurizers();
    expect(() => new Featurizer(wasm.classes, wasm.vocabulary, wasm.keyStride, wasm.bigrams, fresh)).toThrow(/table/);
  });

  it('reads a body and scans its texts as it scans the strings (a counting kernel only), within its limits', async () => {
    expect(new WasmKernel().readBody('["hello world"]', { maxTexts: 1, maxUnits: 100 })).toBeUndefined();
    const { kernel, wasm, js } = await featurizers();
    const texts = ['Hello, World: the NASA orbit', 'line one\nline "two"\\', '', 'a 中文 text', 'a \u0000 NUL'];
    const body = JSON.stringify(texts);
    const limits = { maxTexts: 8, maxUnits: 100 };
    expect(kernel.readBody(body, limits)).toEqual({ form: 'article', texts: texts.length, topK: 1, explain: 0 });
    const fromBody = texts.map((_, n) => {
      const found = kernel.scanBodyText(n, 2);
      return found < 0 ? found : Array.from(kernel.records.subarray(0, 3 * found));
    });
    const fromStrings = texts.map((text) => {
      const found = kernel.scan(text, 2);
      return found < 0 ? found : Array.from(kernel.records.subarray(0, 3 * found));
    });
    expect(fromBody).toEqual(fromStrings);
    expect(fromBody.filter((r) => r === -1)).toHaveLength(2);
    expect(() => kernel.scanBodyText(texts.length, 2)).toThrow(RangeError);
    expect(kernel.readBody(body, { maxTexts: 4, maxUnits: 100 })).toBeUndefined();
    expect(kernel.readBody(body, { maxTexts: 8, maxUnits: 20 })).toBeUndefined();
    expect(kernel.readBody(`["${'x'.repeat(MAX_BODY_UNITS)}"]`, limits)).toBeUndefined();
    expect(() => kernel.scanBodyText(0, 2)).toThrow(RangeError);
    // A body the featurizer reads counts as its parsed texts count.
    const readable = texts.slice(0, 3);
    const article = { form: 'article', texts: 3, topK: 1, explain: 0 };
    expect(wasm.featurizeBody(JSON.stringify(readable), limits, 'keys')).toEqual({ request: article, result: await counted(js, readable) });
    const rich = JSON.stringify({ topK: 2, texts: readable });
    expect(wasm.featurizeBody(rich, limits, 'keys')).toEqual({ request: { ...article, form: 'rich', topK: 2 }, result: await counted(js, readable) });
    expect(wasm.featurizeBody(rich, limits, 'keys', (request) => request.topK === 1)).toBeUndefined();
    expect(wasm.featurizeBody(body, limits, 'keys')).toBeUndefined();
  });

  it('leaves to JavaScript what it cannot scan, and fills its records to capacity', async () => {
    const { kernel: scanner, wasm, js } = await featurizers();
    expect(scanner.scan('plain ascii text', 2)).toBe(3);
    expect(scanner.scan('a NUL\u0000ends it', 2)).toBe(-1);
    expect(scanner.scan('a lone \ud800 surrogate', 2)).toBe(-1);
    // A surrogate pair: left to JavaScript until its block is asked; then an emoji separates tokens,
    // and a letter beyond the BMP (Deseret, lowered by the graph) is still left to JavaScript.
    expect(scanner.scan('a pair 😀 too', 2)).toBe(-1);
    await wasm.classes.ask([CharClasses.blockOf(0x1f600), CharClasses.blockOf(0x10400)]);
    expect(scanner.scan('a pair😀too', 2)).toBe(2);
    expect(scanner.scan('😀😀ok😀', 2)).toBe(1);
    expect(scanner.scan('a 𐐀 letter', 2)).toBe(-1);
    expect(scanner.scan('trailing \ud83d', 2)).toBe(-1);
    // Only a high then a low surrogate is a pair: a high one before a BMP unit, a low one first, and a
    // high one at the end (a longer text just left a low one after it in the module's memory) are not.
    expect(scanner.scan('xx😀yy', 2)).toBe(2);
    expect(scanner.scan('xx\ud83d', 2)).toBe(-1);
    expect(scanner.scan('ab\ud83d cd', 2)).toBe(-1);
    expect(scanner.scan('ab\udc3d\ude00cd', 2)).toBe(-1);
    for (const text of ['a pair😀too', '😀😀ok😀', 'emoji😀in😀the😀middle😀', 'a 𐐀 letter']) {
      expect(plain(await counted(wasm, [text]))).toEqual(plain(await counted(js, [text])));
    }
    expect(scanner.scan('中文 not asked yet', 2)).toBe(-1);
    expect(scanner.scan('x'.repeat(MAX_SCAN_UNITS + 1), 2)).toBe(-1);
    // The most tokens a text it takes can hold: one-character runs between separators, minRun 1 (a
    // record's start is its run's place in the text).
    const dense = 'a '.repeat(MAX_SCAN_UNITS / 2);
    expect(dense.length).toBe(MAX_SCAN_UNITS);
    expect(scanner.scan(dense, 1)).toBe(MAX_SCAN_UNITS / 2);
    expect(Array.from(scanner.records.subarray(3 * (MAX_SCAN_UNITS / 2 - 1), 3 * (MAX_SCAN_UNITS / 2) - 1))).toEqual([MAX_SCAN_UNITS - 2, 1]);
    const long = 'the orbit of the shuttle '.repeat(6000);
    expect(long.length).toBeGreaterThan(MAX_SCAN_UNITS);
    expect(plain(await counted(wasm, [long]))).toEqual(plain(await counted(js, [long])));
  });
});

/** Keys as the graph holds them: UTF-8 byte strings (any bytes) with ranges and values. */
function keysOf(byteKeys: readonly Uint8Array[], defaultValue = -1): VocabularyKeys {
  const bytes = new Uint8Array(byteKeys.reduce((n, k) => n + k.length, 0));
  const ranges = new Int32Array(2 * byteKeys.length);
  let at = 0;
  byteKeys.forEach((k, i) => {
    bytes.set(k, at);
    ranges[2 * i] = at;
    ranges[2 * i + 1] = at += k.length;
  });
  return { bytes, ranges, values: byteKeys.map((_, i) => (i % 7 === 3 ? -2 : i)), defaultValue };
}

/** A vocabulary's storage, for comparing builds byte for byte. */
const storage = (v: Vocabulary) => v as unknown as { table: Int32Array; entries: Uint16Array };

describe("the kernel's vocabulary lookup", () => {
  const hash = (token: string) => hashUnits(Array.from(token, (c) => c.charCodeAt(0)), 0, token.length);
  /**
   * Two different tokens, `prefix` then `n` units from `unit`, with one hash: a seeded birthday search
   * (the hash has 32 bits: some 10^5 tries), so that the pairs follow the hash wherever it goes.
   */
  const collide = (prefix: string, n: number, unit: (random: number) => number, seed: number): [string, string] => {
    let state = seed;
    const random = () => (state = (Math.imul(state, 1664525) + 1013904223) | 0) >>> 8;
    const seen = new Map<number, string>();
    for (let tries = 0; tries < 2_000_000; tries++) {
      let token = prefix;
      for (let i = 0; i < n; i++) token += String.fromCharCode(unit(random()));
      const other = seen.get(hash(token));
      if (other !== undefined && other !== token) return [other, token];
      seen.set(hash(token), token);
    }
    throw new Error(`no two tokens ${prefix} + ${n} units share a hash`);
  };
  const letter = (r: number) => 0x61 + (r % 26);
  // BMP characters from U+0100 up to the surrogates.
  const wide = (r: number) => 0x100 + (r % 0xd700);
  // A lookup of one token of a pair reaches the other's entry and must tell them apart by their units:
  // 8 at a time (up to 16 units, without a branch), or in the probing loop 4 at a time and the last
  // 0-3 masked. The first four pairs differ in their first 4 units (lengths 6-9); the others share a
  // prefix and differ only in units 4-6 (of 7), 4-7 (of 8), 10-12 (of 13), 12-14 (of 15) or 17-19 (of
  // 20: a token longer than 16 units takes the probing loop). (Two tokens of one length that differ only in their last 1 or 2 units
  // never collide: the last unit sets the hash's low 16 bits one to one, the unit before its high 16.)
  const collisions = [
    collide('', 6, letter, 1),
    collide('', 7, letter, 2),
    collide('', 8, letter, 3),
    collide('', 9, letter, 4),
    collide('abcd', 3, wide, 6),
    collide('abcd', 4, wide, 7),
    collide('abcdefghij', 3, wide, 10),
    collide('abcdefghijkl', 3, wide, 9),
    collide('abcdefghijklmnopq', 3, wide, 11),
  ];
  /** A counting kernel of `vocabulary` whose table keeps every BMP character as itself but the space. */
  const kernelOf = (vocabulary: readonly string[]) => {
    const kernel = new WasmKernel({ vocabulary: keysOf(vocabulary.map((w) => new TextEncoder().encode(w))), keyStride: vocabulary.length });
    for (let c = 1; c < 0xffff; c++) if (c < 0xd800 || c > 0xdfff) kernel.table[c] = c;
    kernel.table[0x20] = 0;
    return kernel;
  };
  const count = (kernel: WasmKernel, text: string) => {
    const counted = kernel.count(kernel.scan(text, 1));
    return { ...counted, perFeature: Array.from((kernel.counters as NonNullable<WasmKernel['counters']>).perFeature) };
  };

  it('tells apart tokens whose hashes collide, wherever their units differ', () => {
    for (const [i, [a, b]] of collisions.entries()) {
      expect(a.length).toBe(b.length);
      if (i < 4) expect(a.slice(0, 4)).not.toBe(b.slice(0, 4));
      expect(hash(a)).toBe(hash(b));
      // Only a known: b probes a's entry, differs, and is unknown.
      expect(count(kernelOf([a]), `${b} ${a} ${b}`)).toEqual({ distinct: 1, tokens: 3, known: 1, perFeature: [1] });
      // Both known, in either order of the table: each counted as itself.
      expect(count(kernelOf([a, b]), `${b} ${a} ${b}`)).toEqual({ distinct: 2, tokens: 3, known: 3, perFeature: [1, 2] });
      expect(count(kernelOf([b, a]), `${b} ${a} ${b}`)).toEqual({ distinct: 2, tokens: 3, known: 3, perFeature: [2, 1] });
    }
  });
});

describe("the kernel's per-post sums", () => {
  it('sums any number of classes as the graph adds them: ascending features, double running sums (property)', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda', 'mu'];
    // keysOf makes every seventh key (from the fourth) a stop word, value -2; the others are features 0-11.
    const V = words.length;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 45 }),
        fc.array(fc.array(fc.constantFrom(...words, 'unknown'), { maxLength: 30 }).map((t) => t.join(' ')), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (C, texts, seed) => {
          let state = seed;
          const random = () => ((state = (Math.imul(state, 1664525) + 1013904223) | 0) >>> 0) / 2 ** 32;
          const idf = Float32Array.from({ length: V }, () => 1 + 5 * random());
          const coef = Float32Array.from({ length: V * C }, () => 4 * random() - 2);
          const bytes = (a: Float32Array) => new Uint8Array(a.buffer);
          const kernel = new WasmKernel({
            vocabulary: keysOf(words.map((w) => new TextEncoder().encode(w))),
            keyStride: V,
            sums: { idf: bytes(idf), coef: bytes(coef), classes: C, sublinearTf: false },
          });
          for (let c = 1; c < 0xd800; c++) kernel.table[c] = c;
          kernel.table[0x20] = 0;
          // The reference: the graph's order of additions, in double, each term rounded to float.
          const running = new Float64Array(C + 1);
          kernel.resetSums();
          for (const text of texts) {
            const counts = new Map<number, number>();
            for (const word of text.split(' ')) {
              const f = words.indexOf(word);
              if (f >= 0 && f % 7 !== 3) counts.set(f, (counts.get(f) ?? 0) + 1);
            }
            const start = Float64Array.from(running);
            for (const f of [...counts.keys()].sort((a, b) => a - b)) {
              const w = Math.fround((counts.get(f) as number) * (idf[f] as number));
              for (let k = 0; k < C; k++) running[k] = (running[k] as number) + Math.fround((coef[f * C + k] as number) * w);
              running[C] = (running[C] as number) + Math.fround(w * w);
            }
            kernel.count(Math.max(0, kernel.scan(text, 1)));
            expect(kernel.accumulate()).toBe(counts.size);
            const expected = Array.from(running, (r, k) => Math.fround(r - (start[k] as number)));
            expect(Array.from(kernel.postSums as Float32Array)).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("the kernel's vocabulary build", () => {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const raw = (...b: number[]) => Uint8Array.from(b);
  // Valid keys of 1-4 UTF-8 bytes per character, and invalid ones the JavaScript build leaves out:
  // overlong, a surrogate, past U+10FFFF, truncated, a lone continuation byte, C0/C1/F5 leads.
  const tricky = [
    utf8('space'), utf8('naïve'), utf8('σας'), utf8('ẞtraße'), utf8('𐐨𐐨'), utf8('中文'), utf8('a'), utf8(''),
    raw(0xc0, 0x80), raw(0xc1, 0xbf), raw(0xe0, 0x80, 0x80), raw(0xed, 0xa0, 0x80), raw(0xf4, 0x90, 0x80, 0x80), raw(0xf5, 0x80, 0x80, 0x80),
    raw(0xe2, 0x82), raw(0x80), raw(0x61, 0xff), raw(0xf0, 0x9f, 0x98), utf8('ok'), utf8('x'.repeat(70_000)), utf8('é'.repeat(40_000)),
    // At each rule's boundary: the largest overlong 3- and 4-byte forms, the first and last low
    // surrogates, and the largest valid 3- and 4-byte characters.
    raw(0xe0, 0x9f, 0xbf), raw(0xf0, 0x8f, 0xbf, 0xbf), raw(0xed, 0xb0, 0x80), raw(0xed, 0xbf, 0xbf), raw(0xef, 0xbf, 0xbf), raw(0xf4, 0x8f, 0xbf, 0xbf),
  ];

  it('builds, in WebAssembly, the table and entries the JavaScript build builds, invalid keys left out alike', () => {
    const keys = keysOf(tricky);
    const js = new Vocabulary(keys.bytes, keys.ranges, keys.values, keys.defaultValue);
    const kernel = new WasmKernel({ vocabulary: keys, keyStride: tricky.length });
    const built = kernel.vocabulary as Vocabulary;
    expect(built).not.toBe(js);
    expect(Array.from(storage(built).table)).toEqual(Array.from(storage(js).table));
    expect(Array.from(storage(built).entries)).toEqual(Array.from(storage(js).entries));
    for (const word of ['space', 'naïve', 'σας', 'ẞtraße', '𐐨𐐨', '中文', 'a', '', 'ok', 'okay', 'x'.repeat(70_000), 'é'.repeat(40_000)]) {
      expect(built.get(word)).toBe(js.get(word));
    }
    expect(built.get('naïve')).toBe(1);
    expect(built.get('x'.repeat(70_000))).toBe(-1);
  });

  it('builds any keys as JavaScript does (property: random bytes, valid and not)', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff));
    const key = fc.oneof(fc.array(byte, { maxLength: 8 }).map((b) => Uint8Array.from(b)), fc.string({ unit: 'binary', maxLength: 6 }).map(utf8));
    fc.assert(
      fc.property(fc.array(key, { maxLength: 60 }), (keyBytes) => {
        const keys = keysOf(keyBytes);
        const js = new Vocabulary(keys.bytes, keys.ranges, keys.values, keys.defaultValue);
        const built = new WasmKernel({ vocabulary: keys, keyStride: keyBytes.length + 1 }).vocabulary as Vocabulary;
        expect(Array.from(storage(built).table)).toEqual(Array.from(storage(js).table));
        expect(Array.from(storage(built).entries)).toEqual(Array.from(storage(js).entries));
      }),
      { numRuns: 300 },
    );
  });

  it("builds the trained model's vocabulary as JavaScript does, and leaves keys too many for its regions to JavaScript", async () => {
    const bytes = readFileSync(join(dir, 'model.onnx'));
    const manifest = parseManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'), 'manifest.json');
    const plan = planFrontEnd(bytes, manifest);
    if ('unsupported' in plan) throw new Error(plan.unsupported);
    const builds = vi.spyOn(WasmKernel.prototype as unknown as { build: () => number | undefined }, 'build');
    const built = new WasmKernel({ vocabulary: plan.vocabularyKeys, keyStride: plan.tensors.keyStride }).vocabulary as Vocabulary;
    expect(builds.mock.results[0]?.value).toBe(storage(plan.vocabulary).entries.length);
    expect(Array.from(storage(built).table)).toEqual(Array.from(storage(plan.vocabulary).table));
    expect(Array.from(storage(built).entries)).toEqual(Array.from(storage(plan.vocabulary).entries));

    // loadModel's term-count path takes this build (the plan's own Vocabulary is never built there).
    builds.mockClear();
    const m = await loadModel({ modelUri: join(dir, 'model.onnx') });
    expect(builds.mock.results.map((r) => r.value)).toEqual([storage(plan.vocabulary).entries.length]);
    expect(m.termCounts?.featurizer.vocabulary).not.toBe(plan.vocabulary);
    await m.release();

    builds.mockClear();
    const many = keysOf(Array.from({ length: 70_000 }, (_, i) => utf8(`k${i}`)));
    const big = new WasmKernel({ vocabulary: many, keyStride: 70_000 });
    expect(builds.mock.results[0]?.value).toBeUndefined();
    const js = new Vocabulary(many.bytes, many.ranges, many.values, many.defaultValue);
    expect(Array.from(storage(big.vocabulary as Vocabulary).table)).toEqual(Array.from(storage(js).table));
    expect((big.vocabulary as Vocabulary).get('k69999')).toBe(69_999);
    builds.mockRestore();
  });
});
