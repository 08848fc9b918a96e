/**
 * What the graph's text front end (StringNormalizer, then a Tokenizer whose pattern is one character
 * class repeated) does with each character: drop it as a separator, or keep it lowercased.
 *
 * The answers are not written down here: they are asked of the graph itself, through onnxruntime, 256
 * code points at a time, the first time a text contains one of them. So the featurizer agrees with the
 * graph by construction, whatever the Unicode tables of this machine's C library (the normalizer's
 * towlower) and of the Tokenizer's RE2 are; JavaScript's own `toLowerCase` and `\p{L}` differ from both
 * (final sigma, dotted capital I, newer code points). That is possible because the graph's semantics
 * are per code point: a one-to-one lowercase mapping, then a class test on each code point.
 */

/** Runs the graph's front end on texts; returns each text's tokens (padding left out). */
export type GraphTokenizer = (texts: string[]) => Promise<string[][]>;

/** A BMP code unit whose class this table cannot give: look it up with `CharClasses.wide`. */
export const SPECIAL = 0xffff;
/** A separator in `bmp`. */
export const SEPARATOR = 0;

const BLOCK = 256;
/** Letters no other code point lowercases to (CJK ideograph, katakana, hangul): markers for `inOneText`. */
const MARKERS = [0x4e2d, 0x30a2, 0xac00] as const;
const SURROGATES = { first: 0xd800, last: 0xdfff } as const;

export class CharClasses {
  /**
   * Per BMP code unit: SEPARATOR, the lowercased code unit when the character is kept, or SPECIAL
   * (surrogates, NUL, characters not asked yet, characters lowercased outside the BMP).
   */
  readonly bmp: Uint16Array;
  /** Code points beyond `bmp`'s reach: the lowercased code point when kept, SEPARATOR when not. */
  private readonly wideTable = new Map<number, number>();
  private readonly asked = new Set<number>();

  /**
   * @param tokenize the graph's own front end
   * @param minRun the Tokenizer pattern's minimum repetition: a run of fewer kept characters is no token
   * @param table where to keep `bmp` (65,536 entries): the WebAssembly scan's memory, which reads it
   * @param wideSeparators where to mark, a bit per code point from U+10000, those asked and found
   *   separators (the WebAssembly scan steps over them)
   */
  constructor(
    private readonly tokenize: GraphTokenizer,
    readonly minRun: number,
    table: Uint16Array = new Uint16Array(0x10000),
    private readonly wideSeparators?: Int32Array,
  ) {
    if (table.length !== 0x10000) throw new RangeError(`a character table has 65536 entries, not ${table.length}`);
    if (wideSeparators && wideSeparators.length !== 0x100000 / 32) throw new RangeError(`a wide separator map has 32768 words, not ${wideSeparators.length}`);
    this.bmp = table.fill(SPECIAL);
    wideSeparators?.fill(0);
  }

  static blockOf(codePoint: number): number {
    return Math.floor(codePoint / BLOCK);
  }

  has(block: number): boolean {
    return this.asked.has(block);
  }

  /** The lowercased code point of a kept character, SEPARATOR, or undefined when its block is not asked yet. */
  wide(codePoint: number): number | undefined {
    return this.asked.has(CharClasses.blockOf(codePoint)) ? (this.wideTable.get(codePoint) ?? SEPARATOR) : undefined;
  }

  /** Asks the graph about every code point of the blocks (one onnxruntime run). */
  async ask(blocks: Iterable<number>): Promise<void> {
    const todo = [...blocks].filter((b) => !this.asked.has(b));
    const codePoints: number[] = [];
    for (const block of todo) {
      for (let cp = block * BLOCK; cp < (block + 1) * BLOCK && cp <= 0x10ffff; cp++) {
        // Surrogate code units never reach the graph as themselves (onnxruntime-node encodes a lone
        // one as U+FFFD); NUL ends a text for onnxruntime's string handling. The featurizer handles both.
        if (cp === 0 || (cp >= SURROGATES.first && cp <= SURROGATES.last)) continue;
        codePoints.push(cp);
      }
    }
    const tokens = codePoints.length === 0 ? [] : ((await this.inOneText(codePoints, todo)) ?? (await this.oneTextEach(codePoints)));
    codePoints.forEach((cp, i) => {
      const token = tokens[i];
      let kept = SEPARATOR;
      if (token !== undefined) {
        const lowered = token.codePointAt(0) as number;
        if (token !== String.fromCodePoint(lowered).repeat(this.minRun)) {
          throw notOneRun(cp, this.minRun, token);
        }
        kept = lowered;
      }
      if (cp < 0x10000 && kept < SPECIAL) this.bmp[cp] = kept;
      else if (kept !== SEPARATOR) this.wideTable.set(cp, kept);
      else if (cp >= 0x10000 && this.wideSeparators) {
        const bit = cp - 0x10000;
        this.wideSeparators[bit >>> 5] = (this.wideSeparators[bit >>> 5] as number) | (1 << (bit & 31));
      }
    });
    for (const block of todo) this.asked.add(block);
  }

  /** Each code point's token (undefined: a separator), one text per probe: the plain way to ask. */
  private async oneTextEach(codePoints: readonly number[]): Promise<(string | undefined)[]> {
    const rows = await this.tokenize(codePoints.map((cp) => String.fromCodePoint(cp).repeat(this.minRun)));
    return codePoints.map((cp, i) => {
      const row = rows[i] ?? [];
      if (row.length > 1) throw notOneRun(cp, this.minRun, row);
      return row[0];
    });
  }

  /**
   * The same answers from one text: every probe between spaces and a marker, "M p0 M p1 M ... M", so
   * that between two markers the Tokenizer gives the probe's token or nothing. Why: onnxruntime's
   * string kernels pay per text, and 256 texts took 3 ms where one text took 1 (7 ms against 2-3 in a
   * cold start, where Latin-1 is asked). The marker is a letter no asked code point can lower to (a
   * CJK ideograph, kana or hangul syllable from a block not asked); undefined (ask one text each) when
   * there is none, or when the answer is not shaped as expected (a space kept, the marker not).
   */
  private async inOneText(codePoints: readonly number[], blocks: readonly number[]): Promise<(string | undefined)[] | undefined> {
    const marker = MARKERS.find((m) => !blocks.includes(CharClasses.blockOf(m)));
    if (marker === undefined) return undefined;
    const m = String.fromCodePoint(marker).repeat(this.minRun);
    const parts = [m];
    for (const cp of codePoints) parts.push(String.fromCodePoint(cp).repeat(this.minRun), m);
    const [row = []] = await this.tokenize([parts.join(' ')]);
    const answers: (string | undefined)[] = new Array(codePoints.length);
    if (row[0] !== m) return undefined;
    let at = 1;
    for (let i = 0; i < codePoints.length; i++) {
      if (row[at] === m) {
        at++;
        continue;
      }
      if (row[at + 1] !== m) return undefined;
      answers[i] = row[at];
      at += 2;
    }
    return at === row.length ? answers : undefined;
  }
}

/** A probe's answer that is not one run of one character: the graph is not per code point as assumed. */
function notOneRun(codePoint: number, minRun: number, got: unknown): Error {
  return new Error(`the graph's front end turned U+${codePoint.toString(16)} x${minRun} into ${JSON.stringify(got)}; expected one run of one character`);
}
