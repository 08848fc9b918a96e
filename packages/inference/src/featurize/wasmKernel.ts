import { Buffer } from 'node:buffer';
import { SPECIAL } from './charClasses.js';
import type { BigramTables } from './Featurizer.js';
import { FEATURIZE_WASM } from './featurizeWasm.js';
import { Vocabulary, type VocabularyKeys, vocabularyLayout } from './vocabulary.js';

/** The fixed regions of featurize.wat's memory (bytes); the vocabulary and counters follow. */
const CODE = 0;
const TABLE = 262_144;
const UNITS = 393_216;
const RECORDS = 655_360;
const RESULT = 1_441_792;
const WIDE = 1_507_328;
/** Bits per code point from U+10000 to U+10FFFF, as Int32 words. */
const WIDE_WORDS = 0x100000 / 32;
const FIXED_END = WIDE + 4 * WIDE_WORDS;
const PAGE = 65_536;
/** The longest text the module scans; a longer one is scanned in JavaScript. */
export const MAX_SCAN_UNITS = 131_072;

interface KernelExports {
  memory: WebAssembly.Memory;
  configure: (slots: number, mask: number, entries: number, unknown: number, perFeature: number, touched: number, touchedWords: number) => void;
  configureBigrams: (unigramOfWord: number, words: number, pairs: number, pairMask: number) => void;
  scan: (length: number, minRun: number) => number;
  count: (records: number) => number;
  build: (bytes: number, ranges: number, values: number, count: number, slots: number, mask: number, entries: number) => number;
}

/** The counters, in the module's memory, for the Featurizer to read back. */
export interface KernelCounters {
  perFeature: Int32Array;
  touched: Int32Array;
  touchedWords: Int32Array;
}

/**
 * The featurizer's inner loops in WebAssembly (featurize.wat): `scan` turns a text into token
 * records [start in `units`, length, hash] over its lowercased code units; `count` looks them up in
 * the vocabulary (and, for a 1-2 gram graph, the bigram table) and counts them into `counters`.
 *
 * Why: V8's code for these loops carries a bounds check per typed-array access and keeps the loop
 * state boxed across their branches. Measured in one process, alternating, each featurize after
 * another post's featurize and graph run: for the 60 test posts of about 8,600 characters that set
 * the p99, the scan alone took 55 us in JavaScript and 29 us here; featurizing with the scan here and
 * the counting in JavaScript 145-175 us, with both here 111-128 us (batches of 64: 1.71-2.18 against
 * 1.22-1.81 ms; short posts 34-49 against 26-39 us); against the featurizer all in JavaScript,
 * 161-245 against 110-163 us and 2.05-2.52 against 1.25-1.72 ms. With a 1-2 gram vocabulary of
 * 200,000 features (160,000 bigrams), after an 8 MB cache sweep: 300-406 us counting here, 389-534
 * us only scanning here, 421-577 us all in JavaScript (batches of 64: 3.9-5.6, 5.1-7.3, 5.5-7.9 ms).
 * What remains is mostly the cache misses of the vocabulary's first touches, and the keys' emission,
 * in JavaScript. Texts with a character the table cannot give (NUL, a lone surrogate, a letter beyond
 * the BMP, a block not asked yet) or over MAX_SCAN_UNITS stay in JavaScript (Featurizer.ts), which
 * handles every case.
 */
export class WasmKernel {
  /**
   * The character table, in the module's memory: give it to CharClasses as its `bmp` (the Featurizer
   * checks). Until then every character is one the module leaves to JavaScript.
   */
  readonly table: Uint16Array;
  /**
   * A bit per code point from U+10000, set for those asked and found separators (emoji, say): give it
   * to CharClasses with `table`. A pair whose bit is clear is left to JavaScript.
   */
  readonly wideSeparators: Int32Array;
  readonly units: Uint16Array;
  readonly records: Int32Array;
  /** Set when the kernel counts (constructed with a graph's vocabulary). */
  readonly counters?: KernelCounters;
  /** The vocabulary the kernel counts with, in its memory (the one given, or built from the keys given). */
  readonly vocabulary?: Vocabulary;
  private readonly code: Buffer;
  private readonly result: Int32Array;
  private readonly exports: KernelExports;

  /**
   * @param counting a graph's vocabulary, its key stride (the number of features) and, for a 1-2 gram
   *   graph, its bigram tables: the kernel then counts as well as scans. They are moved into the
   *   module's memory: the Vocabulary and PairTable look up there from then on, and
   *   `bigrams.unigramOfWord` is replaced by a view of it.
   */
  constructor(readonly counting?: { vocabulary: Vocabulary | VocabularyKeys; keyStride: number; bigrams?: BigramTables }) {
    // Under 1 KB of code: compiled synchronously in well under a millisecond.
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(FEATURIZE_WASM)).exports as unknown as KernelExports;
    const memory = this.exports.memory;
    const layout = counting && countingLayout(counting);
    // Growing detaches every view of the memory: it happens before any is made. The module has no
    // memory.grow, so the views made below stay valid.
    const pages = Math.ceil((layout?.end ?? FIXED_END) / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    const buffer = memory.buffer;
    this.code = Buffer.from(buffer, CODE, 2 * MAX_SCAN_UNITS);
    this.table = new Uint16Array(buffer, TABLE, 0x10000).fill(SPECIAL);
    this.wideSeparators = new Int32Array(buffer, WIDE, WIDE_WORDS);
    this.units = new Uint16Array(buffer, UNITS, MAX_SCAN_UNITS);
    this.records = new Int32Array(buffer, RECORDS, 3 * (MAX_SCAN_UNITS / 2));
    this.result = new Int32Array(buffer, RESULT, 2);
    if (!counting || !layout) return;

    const { vocabulary, keyStride, bigrams } = counting;
    const { slots, units, at } = layout;
    this.exports.configure(at.slots, slots / 2 - 1, at.units, vocabulary.defaultValue, at.perFeature, at.touched, at.touchedWords);
    const table = new Int32Array(buffer, at.slots, slots);
    const entries = new Uint16Array(buffer, at.units, units);
    if (vocabulary instanceof Vocabulary) {
      vocabulary.relocate(table, entries);
      this.vocabulary = vocabulary;
    } else {
      const fill = () => this.build(vocabulary, at.slots, slots / 2 - 1, at.units);
      this.vocabulary = Vocabulary.of(vocabulary, { table, entries, fill });
    }
    if (bigrams) {
      this.exports.configureBigrams(at.unigramOfWord, layout.words, at.pairs, bigrams.pairs.mask);
      // The Featurizer's JavaScript path reads these same tables (through `bigrams`).
      const unigramOfWord = new Int32Array(buffer, at.unigramOfWord, layout.words);
      unigramOfWord.set(bigrams.unigramOfWord);
      bigrams.unigramOfWord = unigramOfWord;
      bigrams.pairs.relocate(new Int32Array(buffer, at.pairs, layout.pairSlots));
    }
    this.counters = {
      perFeature: new Int32Array(buffer, at.perFeature, keyStride),
      touched: new Int32Array(buffer, at.touched, layout.touchedLength),
      touchedWords: new Int32Array(buffer, at.touchedWords, layout.touchedWordsLength),
    };
  }

  /**
   * Builds `keys` into the table at `slotsAt` and the entries at `unitsAt` in WebAssembly (featurize.wat
   * `build`), as the Vocabulary constructor would: the entries' length in units, or undefined when the
   * keys do not fit where the build reads them (the scan's code-unit and record regions, unused now;
   * the JavaScript build then runs). Why: the build runs once, in a cold start, where V8 runs
   * JavaScript unoptimised: the seed model's 56,440 keys took 13-16 ms built in JavaScript and moved
   * here, 9.5-11 ms built here with the copies in (whole cold start: median 114.7 -> 111.6 ms, faster
   * in 15 of 20 alternating pairs).
   */
  private build(keys: VocabularyKeys, slotsAt: number, mask: number, unitsAt: number): number | undefined {
    const count = keys.values.length;
    // The values in CODE; the key bytes, then the ranges, in UNITS and RECORDS (not over TABLE).
    const valuesAt = CODE;
    const bytesAt = UNITS;
    const rangesAt = align(bytesAt + keys.bytes.length);
    if (4 * count > TABLE - CODE || rangesAt + 4 * keys.ranges.length > RESULT) return undefined;
    const buffer = this.exports.memory.buffer;
    const values = new Int32Array(buffer, valuesAt, count);
    for (let k = 0; k < count; k++) values[k] = keys.values[k] as number;
    new Uint8Array(buffer, bytesAt, keys.bytes.length).set(keys.bytes);
    new Int32Array(buffer, rangesAt, keys.ranges.length).set(keys.ranges);
    return this.exports.build(bytesAt, rangesAt, valuesAt, count, slotsAt, mask, unitsAt);
  }

  /**
   * Scans `text` for runs of at least `minRun` kept characters: the number of records written, or -1
   * when the text must be scanned in JavaScript (too long, or a character the table cannot give).
   */
  scan(text: string, minRun: number): number {
    if (text.length > MAX_SCAN_UNITS) return -1;
    // 'utf16le' writes code units as they are, lone surrogates included (the table sends those back).
    this.code.write(text, 0, 'utf16le');
    return this.exports.scan(text.length, minRun);
  }

  /**
   * Counts the first `records` records of the last scan into `counters` (a counting kernel only):
   * the features seen for the first time, and the tokens and known tokens among them.
   */
  count(records: number): { distinct: number; tokens: number; known: number } {
    if (!this.counters) throw new Error('this kernel was not given a vocabulary to count with');
    const distinct = this.exports.count(records);
    return { distinct, tokens: this.result[0] as number, known: this.result[1] as number };
  }
}

const align = (n: number) => Math.ceil(n / 8) * 8;

/** Where the vocabulary, the counters and the bigram tables go, after the fixed regions, and their lengths. */
function countingLayout(counting: NonNullable<WasmKernel['counting']>) {
  const { vocabulary, keyStride, bigrams } = counting;
  const { slots, units } = vocabulary instanceof Vocabulary ? vocabulary.layout : vocabularyLayout(vocabulary);
  const touchedLength = Math.ceil(keyStride / 32);
  const touchedWordsLength = Math.ceil(touchedLength / 32);
  const words = bigrams?.unigramOfWord.length ?? 0;
  const pairSlots = bigrams?.pairs.length ?? 0;
  const slotsAt = FIXED_END;
  const unitsAt = slotsAt + 4 * slots;
  const perFeature = align(unitsAt + 2 * units);
  const touched = perFeature + 4 * keyStride;
  const touchedWords = touched + 4 * touchedLength;
  const unigramOfWord = touchedWords + 4 * touchedWordsLength;
  const pairs = unigramOfWord + 4 * words;
  return {
    slots,
    units,
    touchedLength,
    touchedWordsLength,
    words,
    pairSlots,
    at: { slots: slotsAt, units: unitsAt, perFeature, touched, touchedWords, unigramOfWord, pairs },
    end: pairs + 4 * pairSlots,
  };
}
