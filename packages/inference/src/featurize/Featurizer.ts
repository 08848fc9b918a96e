import { Buffer } from 'node:buffer';
import { CharClasses, SEPARATOR, SPECIAL } from './charClasses.js';
import type { PairTable } from './pairTable.js';
import { hashUnits, type Vocabulary } from './vocabulary.js';
import type { BodyLimits, BodyRead, WasmKernel } from './wasmKernel.js';

/** A 1-2 gram graph's tables: the vocabulary then gives word ids, and these give the features. */
export interface BigramTables {
  /** A word id's unigram feature (-1 none, -3 padding), W + 2 entries. */
  unigramOfWord: Int32Array;
  pairs: PairTable;
}

/** A batch as the graph's term-count tensors take it, plus the token counts for the OOV metric. */
export interface TermCounts {
  /** post * keyStride + feature, ascending: one per distinct (post, feature), as the graph's Unique gives. */
  keys: BigInt64Array;
  /** Occurrences of each key's feature in its post. */
  counts: BigInt64Array;
  /** Tokens that are not stop words (the graph's token_count summed over the batch). */
  tokens: number;
  /** Those of them in the vocabulary (known_token_count summed). */
  known: number;
}

/** A batch as the graph's per-post sums take it (frontEnd.postSums), plus the token counts. */
export interface PostSums {
  /** [posts, C + 1]: each post's weighted coefficient sums, then its squared weights' sum. */
  sums: Float32Array;
  tokens: number;
  known: number;
}

// onnxruntime-node encodes a lone surrogate as U+FFFD (tested), so it is that character here.
const LONE_SURROGATE_AS = 0xfffd;
const END_OF_TEXT = -1;
const UNKNOWN = -2;
const TWO_32 = 4294967296;
/**
 * Blocks of 256 code points one batch may ask the graph about: 64 take 20-45 ms and 4-8 MB in one
 * onnxruntime run (measured). Unbounded, one request with characters from every Unicode block would
 * ask about a million code points at once: seconds, and a memory spike past a 256 MB function.
 */
export const MAX_NEW_BLOCKS = 64;

/**
 * Tokenises and counts a batch exactly as the graph's front end (StringNormalizer -> Tokenizer ->
 * LabelEncoder -> Unique) does, in one pass over the characters, so that the graph can run from its
 * term counts on.
 *
 * Why in JavaScript: onnxruntime's string kernels are the bulk of a run. For a batch of 64 test posts
 * the Tokenizer, the normalizer, the LabelEncoder and the Unique over the padded token grid took
 * 7.3 of 10.8 ms (onnxruntime profiler); this loop does the same work in 1.5-2 ms, most of it the
 * vocabulary lookups' cache misses.
 * Exactness: the character table is asked of the graph (charClasses.ts), the token -> feature table is
 * the graph's LabelEncoder's own keys and values (vocabulary.ts), and the rest is counting.
 */
export class Featurizer {
  private units = new Uint16Array(4096);
  private perFeature: Int32Array;
  /**
   * The features one post has touched, as a bit per feature and a bit per non-zero word of those:
   * `emit` reads them back in ascending order in time proportional to their number. Sorting a list
   * instead cost 50 us for the 1,500 distinct terms of a long post, 13 us here (measured).
   */
  private touched: Int32Array;
  private touchedWords: Int32Array;
  /**
   * The text being scanned, copied as UTF-16 code units. Why: reading a typed array costs a third of
   * `charCodeAt` per character here (2.2 against 5-6 ns, copy included: measured), and the scan
   * reads every character. One buffer, grown to the longest text seen.
   */
  private code = new Uint16Array(4096);
  private codeBytes = Buffer.from(this.code.buffer, this.code.byteOffset, this.code.byteLength);
  /** The JavaScript scan's token records: [start in `units`, length, hash] each. */
  private records = new Int32Array(3 * 1024);
  private keyWords = new Int32Array(2048);
  private countWords = new Int32Array(2048);

  constructor(
    readonly classes: CharClasses,
    readonly vocabulary: Vocabulary,
    /** The graph's key stride: keys are post * keyStride + feature. */
    readonly keyStride: number,
    readonly bigrams?: BigramTables,
    /** The WebAssembly loops; without it (or for a text it leaves to JavaScript) `scanText` scans. */
    private readonly kernel?: WasmKernel,
  ) {
    // A kernel reading another table than the one `classes` fills would count wrong, silently.
    if (kernel && kernel.table !== classes.bmp) throw new RangeError("the kernel's table is not the character table's storage");
    const counting = kernel?.counting;
    const counters = kernel?.vocabulary === vocabulary && counting?.keyStride === keyStride && counting.bigrams === bigrams ? kernel?.counters : undefined;
    this.kernelCounts = counters !== undefined;
    this.perFeature = counters?.perFeature ?? new Int32Array(keyStride);
    this.touched = counters?.touched ?? new Int32Array(Math.ceil(keyStride / 32));
    this.touchedWords = counters?.touchedWords ?? new Int32Array(Math.ceil(this.touched.length / 32));
  }

  /** Whether the kernel counts too (its counters are then this featurizer's). */
  private readonly kernelCounts: boolean;

  /**
   * The batch's term counts; undefined when the batch holds characters from more new blocks than one
   * request may ask the graph about (the caller then runs the graph from text, which is exact; the
   * first MAX_NEW_BLOCKS of them are asked, so that such text soon takes this path too).
   */
  async featurize(texts: readonly string[]): Promise<TermCounts | undefined> {
    const result = await this.featurizeInto(texts, 'keys');
    return result && 'keys' in result ? result : undefined;
  }

  /**
   * The batch's per-post sums, as `featurize` gives its term counts (undefined in the same case).
   * Needs a kernel constructed with the graph's sum tables (`canSum`).
   */
  async featurizeSums(texts: readonly string[]): Promise<PostSums | undefined> {
    if (!this.canSum) throw new Error('this featurizer has no kernel with sum tables');
    const result = await this.featurizeInto(texts, 'sums');
    return result && 'sums' in result ? result : undefined;
  }

  /** Whether `featurizeSums` can be used: the kernel counts and holds the graph's sum tables. */
  get canSum(): boolean {
    return this.kernelCounts && this.kernel?.postSums !== undefined;
  }

  /**
   * The term counts or per-post sums (`into`) of the texts of a JSON request body, read in the
   * kernel's memory (WasmKernel.readBody) rather than by JSON.parse, and the request it held;
   * undefined when the kernel does not count, when the body is not a request form it reads within
   * `limits`, when `wanted` turns the request down (before any featurizing), or when one of its texts
   * must be featurized in JavaScript (a character the kernel cannot scan, a block not asked yet).
   * The caller then parses the body and calls `featurize` or `featurizeSums`, which handle every case
   * (and give the same result for a body read here).
   */
  featurizeBody(
    body: string,
    limits: BodyLimits,
    into: 'keys' | 'sums',
    wanted: (request: BodyRead) => boolean = () => true,
  ): { request: BodyRead; result: TermCounts | PostSums } | undefined {
    const kernel = this.kernel;
    if (!kernel || !this.kernelCounts || (into === 'sums' && !this.canSum)) return undefined;
    const request = kernel.readBody(body, limits);
    if (!request || !wanted(request)) return undefined;
    const result = this.scan(request.texts, into);
    return result === undefined || result instanceof Set ? undefined : { request, result };
  }

  private async featurizeInto(texts: readonly string[], into: 'keys' | 'sums'): Promise<TermCounts | PostSums | undefined> {
    const result = this.scan(texts, into);
    if (!(result instanceof Set)) return result;
    // Characters the graph has not been asked about yet: ask (one small run), then count again.
    const blocks = [...result];
    await this.classes.ask(blocks.slice(0, MAX_NEW_BLOCKS));
    if (blocks.length > MAX_NEW_BLOCKS) return undefined;
    const again = this.scan(texts, into);
    return again instanceof Set ? undefined : again;
  }

  /**
   * The batch's term counts or per-post sums, or the character blocks to ask the graph about first.
   * `texts` a number: that many texts of the body the kernel read last, scanned there; undefined when
   * one of them must be scanned in JavaScript.
   */
  private scan(texts: readonly string[] | number, into: 'keys' | 'sums'): TermCounts | PostSums | Set<number> | undefined {
    const inBody = typeof texts === 'number';
    const posts = inBody ? texts : texts.length;
    const minRun = this.classes.minRun;
    const vocabulary = this.vocabulary;
    const perFeature = this.perFeature;
    const touched = this.touched;
    const touchedWords = this.touchedWords;
    const unigramOfWord = this.bigrams?.unigramOfWord;
    const pairs = this.bigrams?.pairs;
    let missing: Set<number> | undefined;
    let u = 0;
    let tokens = 0;
    let known = 0;
    // Per-post sums: the kernel's running sums start again with the batch.
    const kernelSums = into === 'sums' ? this.kernel?.postSums : undefined;
    const width = kernelSums?.length ?? 0;
    const sums = kernelSums ? new Float32Array(posts * width) : undefined;
    if (sums) this.kernel?.resetSums();
    const finish = (n: number, distinct: number) => {
      if (!sums || !kernelSums) u = this.emit(n, distinct, u);
      else {
        this.kernel?.accumulate();
        sums.set(kernelSums, n * width);
      }
    };

    for (let n = 0; n < posts; n++) {
      // The text's tokens as records [start in units, length, hash], from WebAssembly where it can.
      const kernel = this.kernel;
      let found: number;
      let text = '';
      if (inBody) {
        // The body's texts exist only in the kernel's memory (and the counters are clear: this text is not counted yet).
        found = kernel ? kernel.scanBodyText(n, minRun) : -1;
        if (found < 0) return undefined;
      } else {
        text = texts[n] as string;
        found = kernel ? kernel.scan(text, minRun) : -1;
      }
      if (found >= 0 && kernel && this.kernelCounts) {
        const counted = kernel.count(found);
        tokens += counted.tokens;
        known += counted.known;
        finish(n, counted.distinct);
        continue;
      }
      let units: Uint16Array;
      let records: Int32Array;
      if (found >= 0 && kernel) {
        units = kernel.units;
        records = kernel.records;
      } else {
        const scanned = this.scanText(text, minRun);
        if (scanned instanceof Set) {
          // Counted all the same (the result is dropped): the other texts may hold more new blocks.
          missing ??= new Set();
          for (const block of scanned) missing.add(block);
        }
        found = this.found;
        units = this.units;
        records = this.records;
      }

      let distinct = 0;
      // The previous token's word id (1-2 gram graphs): adjacent tokens of one text form a bigram.
      let previous = -1;
      for (let k = 0; k < found; k++) {
        const id = vocabulary.lookup(units, records[3 * k] as number, records[3 * k + 1] as number, records[3 * k + 2] as number);
        // The unigram feature (or -1 unknown, -2 stop word, -3 padding), and a bigram feature or -1.
        let f = id;
        let bigram = -1;
        if (unigramOfWord !== undefined && pairs !== undefined) {
          f = unigramOfWord[id] as number;
          if (previous >= 0) bigram = pairs.get(previous, id);
          previous = id;
        }
        if (f >= -1) tokens++;
        if (f >= 0) known++;
        for (let q = 0; q < 2; q++) {
          const feature = q === 0 ? f : bigram;
          if (feature < 0) continue;
          const seen = perFeature[feature] as number;
          perFeature[feature] = seen + 1;
          if (seen === 0) {
            distinct++;
            const word = feature >>> 5;
            touched[word] = (touched[word] as number) | (1 << (feature & 31));
            touchedWords[word >>> 5] = (touchedWords[word >>> 5] as number) | (1 << (word & 31));
          }
        }
      }

      finish(n, distinct);
    }

    if (missing) return missing;
    if (sums) return { sums, tokens, known };
    return {
      keys: new BigInt64Array(this.keyWords.buffer.slice(0, 8 * u)),
      counts: new BigInt64Array(this.countWords.buffer.slice(0, 8 * u)),
      tokens,
      known,
    };
  }

  /** Set by `scanText`: the records it wrote. */
  private found = 0;

  /**
   * The JavaScript scan, for every text: writes the text's tokens to `units` and `records` as the
   * WebAssembly scan does, and handles what that one leaves to it (NUL ends the text, surrogate
   * pairs, characters lowered beyond the BMP, blocks not asked yet). Sets `found`; returns the blocks
   * to ask the graph about, if any.
   */
  private scanText(text: string, minRun: number): Set<number> | undefined {
    const bmp = this.classes.bmp;
    const L = text.length;
    const code = this.codeUnits(text);
    // A lowered character can take two code units where the text had one.
    if (this.units.length < 2 * L + 2) this.units = new Uint16Array(2 * L + 2);
    if (this.records.length < 3 * L + 3) this.records = new Int32Array(3 * L + 3);
    const units = this.units;
    const records = this.records;
    let missing: Set<number> | undefined;
    let found = 0;
    let u = 0;
    let ended = false;
    let i = 0;
    while (i < L && !ended) {
      let c = bmp[code[i] as number] as number;
      if (c === SEPARATOR) {
        i++;
        continue;
      }
      // A run of kept characters starts at i.
      const start = u;
      // Code units beyond one per character (a kept character outside the BMP takes two).
      let extra = 0;
      for (;;) {
        // The common case, kept BMP characters, in the tightest loop.
        while (c !== SEPARATOR && c !== SPECIAL) {
          units[u++] = c;
          if (++i >= L) {
            c = SEPARATOR;
            break;
          }
          c = bmp[code[i] as number] as number;
        }
        if (c === SEPARATOR) break;
        const lowered = this.special(code, i, L);
        if (lowered === END_OF_TEXT) {
          ended = true;
          break;
        }
        i += this.width;
        if (lowered === UNKNOWN) {
          (missing ??= new Set()).add(this.unknownBlock);
          break;
        }
        if (lowered === SEPARATOR) break;
        if (lowered > 0xffff) {
          const hi = 0xd800 + ((lowered - 0x10000) >> 10);
          const lo = 0xdc00 + ((lowered - 0x10000) & 0x3ff);
          units[u++] = hi;
          units[u++] = lo;
          extra++;
        } else units[u++] = lowered;
        if (i >= L) break;
        c = bmp[code[i] as number] as number;
      }
      if (u - start - extra < minRun) {
        u = start;
        continue;
      }
      records[3 * found] = start;
      records[3 * found + 1] = u - start;
      records[3 * found + 2] = hashUnits(units, start, u - start);
      found++;
    }
    this.found = found;
    return missing;
  }

  /**
   * Appends post n's `distinct` keys (post * keyStride + feature, ascending, as Unique(sorted) orders
   * them) and counts from `perFeature` at position u, clears those counts and the touched bits, and
   * returns the next position.
   */
  private emit(n: number, distinct: number, u: number): number {
    if (2 * (u + distinct) > this.keyWords.length) this.growKeys(2 * (u + distinct));
    const { keyWords, countWords, perFeature, touched, touchedWords } = this;
    const base = n * this.keyStride;
    for (let s = 0; s < touchedWords.length; s++) {
      let words = touchedWords[s] as number;
      if (words === 0) continue;
      touchedWords[s] = 0;
      while (words !== 0) {
        // Lowest set bit first: ascending words, then ascending features within each.
        const wordBit = words & -words;
        words ^= wordBit;
        const word = (s << 5) + 31 - Math.clz32(wordBit);
        let bits = touched[word] as number;
        touched[word] = 0;
        while (bits !== 0) {
          const bit = bits & -bits;
          bits ^= bit;
          const f = (word << 5) + 31 - Math.clz32(bit);
          const key = base + f;
          const lo = key % TWO_32;
          // int64 little-endian as two int32 words: no BigInt per element.
          keyWords[2 * u] = lo | 0;
          keyWords[2 * u + 1] = ((key - lo) / TWO_32) | 0;
          countWords[2 * u] = perFeature[f] as number;
          countWords[2 * u + 1] = 0;
          perFeature[f] = 0;
          u++;
        }
      }
    }
    return u;
  }

  /** Set by `special`: code units the character took. */
  private width = 1;
  /** Set by `special` when it returns UNKNOWN. */
  private unknownBlock = 0;

  /**
   * The lowered code point of the character at `i` that the BMP table could not give (NUL, a
   * surrogate, a block not asked yet, a character lowered beyond the BMP), SEPARATOR, END_OF_TEXT, or
   * UNKNOWN (its block must be asked first). Sets `width`.
   */
  private special(code: Uint16Array, i: number, length: number): number {
    const unit = code[i] as number;
    this.width = 1;
    // onnxruntime reads a string tensor's element as a C string: a NUL ends the text.
    if (unit === 0) return END_OF_TEXT;
    let cp = unit;
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = i + 1 < length ? (code[i + 1] as number) : 0;
      if (unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        cp = 0x10000 + ((unit - 0xd800) << 10) + (next - 0xdc00);
        this.width = 2;
      } else cp = LONE_SURROGATE_AS;
    }
    const bmp = cp < 0x10000 ? (this.classes.bmp[cp] as number) : SPECIAL;
    const lowered = bmp !== SPECIAL ? bmp : this.classes.wide(cp);
    if (lowered !== undefined) return lowered;
    this.unknownBlock = CharClasses.blockOf(cp);
    return UNKNOWN;
  }

  /** `text` as code units in `code` (lone surrogates kept as they are: 'utf16le' writes units, not characters). */
  private codeUnits(text: string): Uint16Array {
    if (this.code.length < text.length) {
      let size = this.code.length;
      while (size < text.length) size *= 2;
      this.code = new Uint16Array(size);
      this.codeBytes = Buffer.from(this.code.buffer, this.code.byteOffset, this.code.byteLength);
    }
    this.codeBytes.write(text, 0, 'utf16le');
    return this.code;
  }

  private growKeys(words: number): void {
    let size = this.keyWords.length;
    while (size < words) size *= 2;
    const keys = new Int32Array(size);
    keys.set(this.keyWords);
    const counts = new Int32Array(size);
    counts.set(this.countWords);
    this.keyWords = keys;
    this.countWords = counts;
  }
}
