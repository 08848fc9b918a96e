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
import { assembleKernel, KERNEL_WASM_MODULE, kernelWasmSource } from '../scripts/assembleKernel.js';
import { CharClasses } from '../src/featurize/charClasses.js';
import { Featurizer, type TermCounts } from '../src/featurize/Featurizer.js';
import { planFrontEnd } from '../src/featurize/frontEndPlan.js';
import { graphTokenizer } from '../src/featurize/graphTokenizer.js';
import { MAX_SCAN_UNITS, WasmKernel } from '../src/featurize/wasmKernel.js';
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
  it('is the assembly of featurize.wat (featurizeWasm.ts is generated: npm run assemble-kernel)', async () => {
    expect(readFileSync(KERNEL_WASM_MODULE, 'utf8')).toBe(kernelWasmSource(await assembleKernel()));
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

  it('scans nothing before its table is the character table, counts only with a vocabulary, and a featurizer refuses another table', async () => {
    const fresh = new WasmKernel();
    expect(fresh.scan('hello world', 2)).toBe(-1);
    expect(() => fresh.count(0)).toThrow(/vocabulary/);
    const { wasm } = await featurizers();
    expect(() => new Featurizer(wasm.classes, wasm.vocabulary, wasm.keyStride, wasm.bigrams, fresh)).toThrow(/table/);
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
    for (const text of ['a pair😀too', '😀😀ok😀', 'emoji😀in😀the😀middle😀', 'a 𐐀 letter']) {
      expect(plain(await counted(wasm, [text]))).toEqual(plain(await counted(js, [text])));
    }
    expect(scanner.scan('中文 not asked yet', 2)).toBe(-1);
    expect(scanner.scan('x'.repeat(MAX_SCAN_UNITS + 1), 2)).toBe(-1);
    // The most tokens a text it takes can hold: one-character runs between separators, minRun 1.
    const dense = 'a '.repeat(MAX_SCAN_UNITS / 2);
    expect(dense.length).toBe(MAX_SCAN_UNITS);
    expect(scanner.scan(dense, 1)).toBe(MAX_SCAN_UNITS / 2);
    expect(Array.from(scanner.records.subarray(3 * (MAX_SCAN_UNITS / 2 - 1), 3 * (MAX_SCAN_UNITS / 2) - 1))).toEqual([MAX_SCAN_UNITS / 2 - 1, 1]);
    const long = 'the orbit of the shuttle '.repeat(6000);
    expect(long.length).toBeGreaterThan(MAX_SCAN_UNITS);
    expect(plain(await counted(wasm, [long]))).toEqual(plain(await counted(js, [long])));
  });
});
