/**
 * The graph's bigram LabelEncoder ((first word id) * (W + 2) + second -> bigram feature) as an
 * open-addressing table keyed by the two word ids, so that a lookup needs no 64-bit key arithmetic.
 * Hand-written for the same reason as vocabulary.ts: it is in the featurizer's inner loop.
 */
export class PairTable {
  /**
   * Per slot: first + 1 (0 = empty), second, value. At most about 0.61 full: lookups are mostly misses
   * (most adjacent word pairs are no feature) and probe a few neighbouring slots, but the table is
   * 3 MB instead of 8 MB for the default model's 160,000 bigrams (4 ints per slot at most half full).
   * Measured on the default model: the cold-start build 27-39 -> 15-25 ms (init 257 -> 237 ms median),
   * the featurizer's batch of 64 4.3 -> 3.7 ms.
   */
  private table: Int32Array;
  readonly mask: number;
  readonly size: number;

  /**
   * @param keys the graph's keys: first * stride + second
   * @param values the feature of each key
   * @param stride W + 2 (word ids run 0..W + 1)
   */
  constructor(keys: readonly number[], values: readonly number[], stride: number) {
    if (keys.length !== values.length) throw new RangeError(`${keys.length} bigram keys but ${values.length} values`);
    this.size = keys.length;
    let capacity = 2;
    while (capacity < keys.length * 1.5) capacity *= 2;
    const mask = capacity - 1;
    const table = new Int32Array(capacity * 3);
    // Locals only: this loop runs once per cold start over every bigram (160,000 in the default model).
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as number;
      const first = Math.floor(key / stride);
      const second = key - first * stride;
      if (key < 0 || first >= stride) throw new RangeError(`bigram key ${key} is not first * ${stride} + second`);
      let s = pairHash(first, second) & mask;
      while (table[3 * s] !== 0) s = (s + 1) & mask;
      table[3 * s] = first + 1;
      table[3 * s + 1] = second;
      table[3 * s + 2] = values[k] as number;
    }
    this.mask = mask;
    this.table = table;
  }

  /** The table's length (Int32 values), for `relocate`. */
  get length(): number {
    return this.table.length;
  }

  /** Copies the table into `slots` (a view of `length`) and looks up there from now on (the WebAssembly kernel's memory). */
  relocate(slots: Int32Array): void {
    if (slots.length !== this.table.length) throw new RangeError("relocate needs a view of the table's length");
    slots.set(this.table);
    this.table = slots;
  }

  /** The feature of the word pair, or -1 (the graph's default). */
  get(first: number, second: number): number {
    const { table, mask } = this;
    let s = pairHash(first, second) & mask;
    for (;;) {
      const f = table[3 * s] as number;
      if (f === 0) return -1;
      if (f === first + 1 && table[3 * s + 1] === second) return table[3 * s + 2] as number;
      s = (s + 1) & mask;
    }
  }
}

function pairHash(first: number, second: number): number {
  const h = Math.imul(first, 0x9e3779b1) ^ Math.imul(second, 0x85ebca6b);
  return h ^ (h >>> 15);
}
