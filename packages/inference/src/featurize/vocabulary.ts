/**
 * The graph's token -> feature id table (its LabelEncoder's keys and values) as an open-addressing
 * hash table over UTF-16 code units.
 *
 * Hand-written because the lookup is the featurizer's inner loop: a `Map<string, number>` needs a
 * string per token (a slice, then hashing it again inside the Map), about twice the cost per token of
 * hashing the scanned units and comparing them in place, measured on the test split. The keys are
 * decoded straight from the model's UTF-8 bytes into one code-unit pool, so building the table for
 * 56,000 keys takes a few milliseconds of the cold start.
 */

const HASH_SEED = 0x811c9dc5 | 0;

/** The units at `i` and `i + 1` as one 32-bit word (the first in the low half), a unit at or past `end` as 0. */
const pairAt = (units: ArrayLike<number>, i: number, end: number): number =>
  (i < end ? (units[i] as number) : 0) | ((i + 1 < end ? (units[i + 1] as number) : 0) << 16);

/**
 * The token hash, over `length` UTF-16 code units from `start` (featurize.wat `$hash` is the same):
 * blocks of 8 units (past the end, 0), each block's four unit pairs times their own odd constants,
 * xored, and the blocks chained by a multiply; then murmur3's finaliser over that and the length.
 * Why blocks: a token of up to 8 units (91% of the test split's) is one step, a few SIMD operations
 * in the kernel, where FNV-1a's chain of one multiply per unit set the pace of a branch-free scan.
 */
export function hashUnits(units: ArrayLike<number>, start: number, length: number): number {
  const end = start + length;
  let h = HASH_SEED;
  let i = start;
  do {
    const x = Math.imul(pairAt(units, i, end), 0x9e3779b1) ^ Math.imul(pairAt(units, i + 2, end), 0x85ebca77)
      ^ Math.imul(pairAt(units, i + 4, end), 0xc2b2ae3d) ^ Math.imul(pairAt(units, i + 6, end), 0x27d4eb2f);
    h = Math.imul(h ^ x, 0x165667b1);
    i += 8;
  } while (i < end);
  h ^= length;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** A LabelEncoder's string keys and values, as the graph holds them (the input of a Vocabulary). */
export interface VocabularyKeys {
  /** The buffer holding the keys' UTF-8 bytes. */
  bytes: Uint8Array;
  /** Each key's start and end in `bytes`: [start0, end0, start1, end1, ...]. */
  ranges: Int32Array;
  /** Each key's value (feature id or a negative class such as stop word). */
  values: readonly number[];
  /** The value of any token that is not a key. */
  defaultValue: number;
}

/**
 * Where a Vocabulary keeps its table and entries (arrays of `vocabularyLayout`'s lengths), and a
 * faster way to fill them than the JavaScript build: the units of entries written, or undefined
 * (the JavaScript build then fills them).
 */
export interface VocabularyStorage {
  table: Int32Array;
  entries: Uint16Array;
  fill?: () => number | undefined;
}

/** The table's length (Int32 values) and an upper bound of the entries' (units) for `keys`. */
export function vocabularyLayout(keys: Pick<VocabularyKeys, 'ranges'>): { slots: number; units: number } {
  const K = keys.ranges.length / 2;
  let capacity = 2;
  while (capacity < K * 2) capacity *= 2;
  let units = 0;
  // UTF-16 never needs more units than UTF-8 bytes; 3 header units per entry.
  for (let k = 0; k < K; k++) units += (keys.ranges[2 * k + 1] as number) - (keys.ranges[2 * k] as number) + 3;
  return { slots: capacity * 2, units };
}

export class Vocabulary {
  /**
   * Pairs [hash, entry position + 1] per slot (0 marks an empty slot), at most half full. An entry in
   * `entries` is [length, value low 16 bits, value high 16 bits, ...code units]: a lookup touches
   * one table slot and one entry, which matters because the tables outgrow the CPU's L2 cache and
   * each further memory access per token was a measurable share of the featurizer (profiled).
   */
  private table: Int32Array;
  readonly mask: number;
  private entries: Uint16Array;
  readonly size: number;

  /**
   * @param bytes the buffer holding the keys' UTF-8 bytes
   * @param ranges each key's start and end in `bytes`: [start0, end0, start1, end1, ...]
   * @param values each key's value (feature id or a negative class such as stop word)
   * @param defaultValue the value of any token that is not a key
   * @param storage where to build (default: new arrays), and maybe a faster build there
   */
  constructor(
    bytes: Uint8Array,
    ranges: Int32Array,
    values: readonly number[],
    readonly defaultValue: number,
    storage?: VocabularyStorage,
  ) {
    if (ranges.length !== 2 * values.length) throw new RangeError(`${ranges.length / 2} keys but ${values.length} values`);
    const K = values.length;
    this.size = K;
    const layout = vocabularyLayout({ ranges });
    if (storage && (storage.table.length !== layout.slots || storage.entries.length !== layout.units)) {
      throw new RangeError("a vocabulary's storage must have vocabularyLayout's lengths");
    }
    this.mask = layout.slots / 2 - 1;
    this.table = storage?.table ?? new Int32Array(layout.slots);
    const entries = storage?.entries ?? new Uint16Array(layout.units);
    const filled = storage?.fill?.();
    if (filled !== undefined) {
      this.entries = entries.subarray(0, filled);
      return;
    }
    const table = this.table;
    const mask = this.mask;
    // Keys are inserted in the graph's order, so the earlier ones sit at their first probe: the trainer
    // lists stop words and then words by document frequency, the tokens most looked up.
    // One flat loop, ASCII decoded and hashed in the same pass: this runs once per cold start, before
    // V8 has optimised anything, so work per byte is what the init budget pays for.
    let p = 0;
    for (let k = 0; k < K; k++) {
      const from = ranges[2 * k] as number;
      const to = ranges[2 * k + 1] as number;
      let o = p + 3;
      let i = from;
      for (; i < to; i++) {
        const b = bytes[i] as number;
        if (b >= 0x80) break;
        entries[o++] = b;
      }
      if (i < to) {
        // Not ASCII: decode the whole key properly.
        o = decodeUtf8(bytes, from, to, entries, p + 3);
        // Not valid UTF-8: no text a caller can send becomes these bytes, so the key never matches.
        if (o < 0) continue;
      }
      if (o - p - 3 > 0xffff) continue;
      const value = values[k] as number;
      entries[p] = o - p - 3;
      entries[p + 1] = value & 0xffff;
      entries[p + 2] = (value >>> 16) & 0xffff;
      const h = hashUnits(entries, p + 3, o - p - 3);
      let slot = h & mask;
      while (table[2 * slot + 1] !== 0) slot = (slot + 1) & mask;
      table[2 * slot] = h;
      table[2 * slot + 1] = p + 1;
      p = o;
    }
    this.entries = entries.subarray(0, p);
  }

  /** A vocabulary of the graph's `keys`, built in `storage` (default: new arrays). */
  static of(keys: VocabularyKeys, storage?: VocabularyStorage): Vocabulary {
    return new Vocabulary(keys.bytes, keys.ranges, keys.values, keys.defaultValue, storage);
  }

  /** The table's and the entries' lengths (Int32 slots x 2, Uint16 units), for `relocate`. */
  get layout(): { slots: number; units: number } {
    return { slots: this.table.length, units: this.entries.length };
  }

  /**
   * Copies the table and the entries into `slots` and `units` (views of `layout`'s lengths) and
   * looks up there from now on: the WebAssembly kernel's memory, which counts from the same bytes.
   */
  relocate(slots: Int32Array, units: Uint16Array): void {
    if (slots.length !== this.table.length || units.length !== this.entries.length) throw new RangeError('relocate needs views of the layout\'s lengths');
    slots.set(this.table);
    units.set(this.entries);
    this.table = slots;
    this.entries = units;
  }

  /** The value of the token in `units[start, start + length)` whose finished hash is `hash`. */
  lookup(units: Uint16Array, start: number, length: number, hash: number): number {
    const { table, mask, entries } = this;
    let s = hash & mask;
    for (;;) {
      const e = (table[2 * s + 1] as number) - 1;
      if (e < 0) return this.defaultValue;
      if (table[2 * s] === hash && entries[e] === length) {
        let j = 0;
        while (j < length && entries[e + 3 + j] === units[start + j]) j++;
        if (j === length) return (entries[e + 1] as number) | ((entries[e + 2] as number) << 16);
      }
      s = (s + 1) & mask;
    }
  }

  /** Looks a string up (tests and tools; the featurizer looks up the units it scanned, hashed once). */
  get(token: string): number {
    const units = new Uint16Array(token.length);
    for (let i = 0; i < token.length; i++) units[i] = token.charCodeAt(i);
    return this.lookup(units, 0, token.length, hashUnits(units, 0, token.length));
  }
}

/**
 * Decodes UTF-8 `bytes[start, end)` into UTF-16 `out` from `at`; returns the end position in `out`,
 * or -1 for malformed input (TextDecoder would substitute U+FFFD, which would make a wrong key).
 */
function decodeUtf8(bytes: Uint8Array, start: number, end: number, out: Uint16Array, at: number): number {
  let o = at;
  for (let i = start; i < end; ) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      out[o++] = b;
      i++;
      continue;
    }
    const extra = b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : 0;
    if (extra === 0) return -1;
    let cp = b & (0x3f >> extra);
    if (i + extra >= end) return -1;
    for (let j = 1; j <= extra; j++) {
      const c = bytes[i + j] as number;
      if ((c & 0xc0) !== 0x80) return -1;
      cp = (cp << 6) | (c & 0x3f);
    }
    const min = extra === 1 ? 0x80 : extra === 2 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return -1;
    i += extra + 1;
    if (cp > 0xffff) {
      cp -= 0x10000;
      out[o++] = 0xd800 + (cp >> 10);
      out[o++] = 0xdc00 + (cp & 0x3ff);
    } else out[o++] = cp;
  }
  return o;
}
