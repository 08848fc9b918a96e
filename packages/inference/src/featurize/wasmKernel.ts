import { Buffer } from 'node:buffer';
import { SPECIAL } from './charClasses.js';
import type { BigramTables } from './Featurizer.js';
import { FEATURIZE_WASM } from './featurizeWasm.js';
import { JSON_STRINGS_WASM } from './jsonStringsWasm.js';
import { Vocabulary, type VocabularyKeys, vocabularyLayout } from './vocabulary.js';

/** The fixed regions of featurize.wat's memory (bytes); the vocabulary and counters follow. */
const CODE = 0;
const TABLE = 262_144;
const UNITS = 393_216;
const RECORDS = 655_360;
// RESULT holds two words. After it, up to WIDE, featurize.wat keeps its own small regions (DUMMY,
// ASCII_LOW, ASCII_HIGH, BITS, CONSTS: its header places them; jsonStrings.wat's data writes the end of
// CONSTS): nothing else may use that memory.
const RESULT = 1_441_792;
const WIDE = 1_507_328;
/** Bits per code point from U+10000 to U+10FFFF, as Int32 words. */
const WIDE_WORDS = 0x100000 / 32;
const FIXED_END = WIDE + 4 * WIDE_WORDS;
const PAGE = 65_536;
/** The longest text the module scans; a longer one is scanned in JavaScript. */
export const MAX_SCAN_UNITS = 131_072;
/** The longest request body (UTF-16 code units) `readBody` reads; a longer one is left to JSON.parse. */
export const MAX_BODY_UNITS = 262_144;
/** The most texts `readBody` reads from one body. */
export const MAX_BODY_TEXTS = 4096;

/**
 * A request body as `readBody` read it: the article's form (a JSON string or array of strings) or
 * the rich form's object, with its topK and explain (1 and 0 when absent), and its texts' number.
 */
export interface BodyRead {
  form: 'article' | 'rich';
  texts: number;
  topK: number;
  explain: number;
}

/** What `readBody` takes: at most `maxTexts` texts of at most `maxUnits` code units each. */
export interface BodyLimits {
  maxTexts: number;
  maxUnits: number;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  configure: (slots: number, mask: number, entries: number, unknown: number, perFeature: number, touched: number, touchedWords: number, entryOf: number) => void;
  configureBigrams: (unigramOfWord: number, words: number, pairs: number, pairMask: number) => void;
  scan: (text: number, length: number, minRun: number) => number;
  count: (records: number) => number;
  build: (bytes: number, ranges: number, values: number, count: number, slots: number, mask: number, entries: number) => number;
  configureSums: (idf: number, coef: number, classes: number, tf: number, tfLength: number, running: number, start: number, out: number, touchedWordsLength: number, scratch: number, chunk: number) => void;
  resetSums: () => void;
  accumulate: () => number;
}

interface JsonStringsExports {
  readStrings: (at: number, length: number, texts: number, maxTexts: number, maxUnits: number, options: number) => number;
}

/**
 * The graph's tables for per-post sums (frontEnd.postSums): the kernel then weights and sums each
 * post's counted terms as the graph does (featurize.wat `accumulate`).
 */
export interface SumTables {
  /** The idf initializer's raw float32 bytes, [keyStride]. */
  idf: Uint8Array;
  /** The coefficient initializer's raw float32 bytes, [keyStride, classes]. */
  coef: Uint8Array;
  classes: number;
  /** Whether the graph's tf is 1 + log(count) rather than the count. */
  sublinearTf: boolean;
}

/**
 * Sublinear tf as the graph's float nodes compute it: Log of the count (float), plus 1 (float). Not
 * always bit for bit: onnxruntime's Log rounds some counts a unit in the last place differently, and
 * differently by where the term sits in its tensor (vectorised groups against the remainder), so no
 * table keyed by count can match it. A differential fuzz (5.9 million sums of a 1-2 gram graph):
 * 99.66% bit-identical, the rest within that rounding of each term; probabilities within 1.8e-7,
 * labels all equal.
 */
export const sublinearTf = (count: number): number => Math.fround(Math.fround(Math.log(count)) + 1);
/** Counts the sublinear tf table covers; a larger count (a term thousands of times in one text) asks `sublinearTf`. */
const TF_TABLE = 4096;
/**
 * Features listed before their rows are added (featurize.wat `$flush`). Listing a row loads it, and
 * 32 rows are still in L1 when they are added. Against 256, featurizing measured 5% less (batches of
 * 64: 1015 -> 966 and 1130 -> 1068 us, long posts -6%), but one way only, in a harness that favours
 * the code loaded second by about 6% on batches: on batches it is no slower.
 */
const SUMS_CHUNK = 32;

/** The counters, in the module's memory, for the Featurizer to read back. */
export interface KernelCounters {
  perFeature: Int32Array;
  touched: Int32Array;
  touchedWords: Int32Array;
}

/**
 * The featurizer's inner loops in WebAssembly (featurize.wat): `scan` turns a text into token
 * records [start in `units`, length, hash] over its lowercased code units; `count` looks them up in
 * the vocabulary (and, for a 1-2 gram graph, the bigram table) and counts them into `counters`; for a
 * graph with per-post sums, `accumulate` weights and sums the counted features as the graph does
 * (termCountPath.ts has the figures). A counting kernel also reads request bodies into its memory
 * (`readBody`, jsonStrings.wat) and scans their texts there (`scanBodyText`).
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
 * What remains is mostly the cache misses of the vocabulary's first touches (and, on the path from
 * term counts, the keys' emission in JavaScript). Texts with a character the table cannot give (NUL,
 * a lone surrogate, a letter beyond the BMP, a block not asked yet) or over MAX_SCAN_UNITS stay in
 * JavaScript (Featurizer.ts), which handles every case.
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
  /** Set when the kernel sums (constructed with `sums`): the last `accumulate`d post's sums, C + 1 floats. */
  readonly postSums?: Float32Array;
  private readonly code: Buffer;
  private readonly result: Int32Array;
  private readonly exports: KernelExports;
  /**
   * Set for a counting kernel: where `readBody` writes a body, its texts' [address, units] and
   * [form, topK, explain] (views of the module's memory: their byte offsets are the addresses).
   */
  private readonly body?: { bytes: Buffer; texts: Int32Array; options: Int32Array; read: JsonStringsExports['readStrings'] };
  /** The texts the last `readBody` read. */
  private bodyTexts = 0;

  /**
   * @param counting a graph's vocabulary, its key stride (the number of features) and, for a 1-2 gram
   *   graph, its bigram tables: the kernel then counts as well as scans. They are moved into the
   *   module's memory: the Vocabulary and PairTable look up there from then on, and
   *   `bigrams.unigramOfWord` is replaced by a view of it.
   */
  constructor(readonly counting?: { vocabulary: Vocabulary | VocabularyKeys; keyStride: number; bigrams?: BigramTables; sums?: SumTables }) {
    // A few KB of code: compiled synchronously in well under a millisecond.
    const host = { tf: sublinearTf };
    this.exports = new WebAssembly.Instance(new WebAssembly.Module(FEATURIZE_WASM), { host }).exports as unknown as KernelExports;
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
    this.exports.configure(at.slots, slots / 2 - 1, at.units, vocabulary.defaultValue, at.perFeature, at.touched, at.touchedWords, at.entryOf);
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
    const strings = new WebAssembly.Instance(new WebAssembly.Module(JSON_STRINGS_WASM), { env: { memory } }).exports as unknown as JsonStringsExports;
    this.body = {
      bytes: Buffer.from(buffer, at.body, 2 * MAX_BODY_UNITS),
      texts: new Int32Array(buffer, at.bodyTexts, 2 * MAX_BODY_TEXTS),
      options: new Int32Array(buffer, at.bodyOptions, 3),
      read: strings.readStrings,
    };
    this.counters = {
      perFeature: new Int32Array(buffer, at.perFeature, keyStride),
      touched: new Int32Array(buffer, at.touched, layout.touchedLength),
      touchedWords: new Int32Array(buffer, at.touchedWords, layout.touchedWordsLength),
    };
    const sums = counting.sums;
    if (sums) {
      if (sums.idf.length !== 4 * keyStride || sums.coef.length !== 4 * keyStride * sums.classes) {
        throw new RangeError(`the sum tables are not [${keyStride}] and [${keyStride}, ${sums.classes}] floats`);
      }
      new Uint8Array(buffer, at.idf, sums.idf.length).set(sums.idf);
      new Uint8Array(buffer, at.coef, sums.coef.length).set(sums.coef);
      if (sums.sublinearTf) {
        const tf = new Float32Array(buffer, at.tf, TF_TABLE);
        for (let c = 1; c < TF_TABLE; c++) tf[c] = sublinearTf(c);
      }
      const C = sums.classes;
      this.exports.configureSums(at.idf, at.coef, C, sums.sublinearTf ? at.tf : 0, TF_TABLE, at.running, at.running + 8 * (C + 1), at.out, layout.touchedWordsLength, at.scratch, SUMS_CHUNK);
      this.postSums = new Float32Array(buffer, at.out, C + 1);
    }
  }

  /** Starts a batch of per-post sums (a kernel constructed with `sums` only). */
  resetSums(): void {
    if (!this.postSums) throw new Error('this kernel was not given the tables to sum with');
    this.exports.resetSums();
  }

  /**
   * Weights and sums the post's counted features into `postSums` and clears them, as `count` (or the
   * Featurizer's own counting, into the same counters) left them: the number of features taken.
   */
  accumulate(): number {
    if (!this.postSums) throw new Error('this kernel was not given the tables to sum with');
    return this.exports.accumulate();
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
    return this.exports.scan(CODE, text.length, minRun);
  }

  /**
   * Reads a request body in one of the request forms (a JSON string, an array of strings, or an
   * object of "texts" or "text" with "topK" and "explain") into the module's memory, each string
   * unescaped there (jsonStrings.wat, which says what it reads): the form and its texts' number, for
   * `scanBodyText`; undefined when the body is anything else, or over `limits` (or MAX_BODY_UNITS,
   * MAX_BODY_TEXTS), or the kernel does not count: JSON.parse must read it. Why: JSON.parse makes a
   * string of every text, which the featurizer then copies here to scan: for the test split's
   * batches of 64 (about 126,000 characters, 3,500 escapes) JSON.parse took 113-130 us, this 57-64
   * us (the body's copy included), and the texts are scanned where they are.
   */
  readBody(body: string, limits: BodyLimits): BodyRead | undefined {
    const target = this.body;
    this.bodyTexts = 0;
    if (!target || body.length > MAX_BODY_UNITS) return undefined;
    // 'utf16le' writes code units as they are, lone surrogates included (JSON.parse keeps them too).
    target.bytes.write(body, 0, 'utf16le');
    const { bytes, options } = target;
    const texts = target.read(bytes.byteOffset, body.length, target.texts.byteOffset, Math.min(limits.maxTexts, MAX_BODY_TEXTS), limits.maxUnits, options.byteOffset);
    if (texts < 0) return undefined;
    this.bodyTexts = texts;
    return { form: options[0] === 1 ? 'rich' : 'article', texts, topK: options[1] as number, explain: options[2] as number };
  }

  /** Scans text `n` of the last `readBody` as `scan` scans a string (-1: leave it to JavaScript). */
  scanBodyText(n: number, minRun: number): number {
    const texts = this.body?.texts;
    if (!texts || !(n >= 0 && n < this.bodyTexts)) throw new RangeError(`no text ${n} in the last body read`);
    const at = texts[2 * n] as number;
    const length = texts[2 * n + 1] as number;
    // Scanned where it is: no copy to CODE (11-13 us of a batch of 64 test posts).
    return length > MAX_SCAN_UNITS ? -1 : this.exports.scan(at, length, minRun);
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
  // Per-post sums: idf and coef (float), the sublinear tf table, the running and starting sums (double), the post's sums (float).
  const sums = counting.sums;
  const idf = align(pairs + 4 * pairSlots);
  const coef = idf + (sums?.idf.length ?? 0);
  const tf = align(coef + (sums?.coef.length ?? 0));
  const running = tf + (sums?.sublinearTf ? 4 * TF_TABLE : 0);
  const out = running + (sums ? 16 * (sums.classes + 1) : 0);
  const scratch = align(out + (sums ? 4 * (sums.classes + 1) : 0));
  // `count`'s word per record between its passes.
  const entryOf = scratch + (sums ? 8 * SUMS_CHUNK : 0);
  // `readBody`'s body and texts: pages only touched by the bodies read.
  const body = align(entryOf + 4 * (MAX_SCAN_UNITS / 2));
  const bodyTexts = body + 2 * MAX_BODY_UNITS;
  const bodyOptions = bodyTexts + 8 * MAX_BODY_TEXTS;
  return {
    slots,
    units,
    touchedLength,
    touchedWordsLength,
    words,
    pairSlots,
    at: { slots: slotsAt, units: unitsAt, perFeature, touched, touchedWords, unigramOfWord, pairs, idf, coef, tf, running, out, scratch, entryOf, body, bodyTexts, bodyOptions },
    end: bodyOptions + 12,
  };
}
