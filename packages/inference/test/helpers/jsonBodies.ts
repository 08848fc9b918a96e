/**
 * Request bodies for the property tests of the body reader (featurize/jsonStrings.wat): the request
 * forms written every way JSON allows (any unit escaped or not, short escapes or \u in either case,
 * whitespace around any token), and such bodies mangled into JSON or not.
 */
import fc from 'fast-check';

const WHITESPACE = [' ', '\t', '\n', '\r'];
const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '/': '\\/' };
/** Characters a mangling inserts: JSON's own, escape letters and digits, and units JSON refuses raw. */
const MANGLE = ['[', ']', '"', '\\', ',', ' ', '\n', 'u', 'n', 't', '0', 'a', 'F', 'g', '{', '}', ':', '1', '\u0000', '\u001f', '\ud800', 'é'];

/** A small deterministic generator (mulberry32): fast-check draws its seed, so a failure replays. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `texts` as a JSON array (or, for one text and `single`, a JSON string) written as `seed` picks. */
export function writeBody(texts: readonly string[], options: { seed: number; escapeRate: number; spaceRate: number; single: boolean }): string {
  const next = random(options.seed);
  const space = () => {
    let s = '';
    while (next() < options.spaceRate) s += WHITESPACE[Math.floor(next() * WHITESPACE.length)];
    return s;
  };
  const string = (text: string) => {
    let s = '"';
    for (const unit of text) {
      // `for of` steps by code point: a pair is written as its two units, each its own way.
      for (let i = 0; i < unit.length; i++) {
        const u = unit[i] as string;
        const code = u.charCodeAt(0);
        const mustEscape = code < 0x20 || u === '"' || u === '\\';
        if (!mustEscape && next() >= options.escapeRate) {
          s += u;
          continue;
        }
        const short = SHORT_ESCAPES[u];
        const hex = code.toString(16).padStart(4, '0');
        s += short !== undefined && next() < 0.5 ? short : `\\u${next() < 0.5 ? hex : hex.toUpperCase()}`;
      }
    }
    return `${s}"`;
  };
  if (options.single && texts.length === 1) return space() + string(texts[0] as string) + space();
  return `${space()}[${space()}${texts.map((t) => string(t) + space()).join(`,${space()}`)}]${space()}`;
}

/** Texts: arbitrary code units (lone surrogates, controls) and longer texts thick with what JSON escapes. */
export const bodyTexts = fc.array(
  fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\n', '"', '\\', '/', '\t', 'é', '中', '\ud800', '\u0000'), maxLength: 300 }),
    fc.string({ unit: fc.constantFrom('word ', 'Space\n', 'x'), maxLength: 100 }),
  ),
  { minLength: 1, maxLength: 6 },
);

/** How a body is written: `writeBody`'s options. */
const writing = {
  seed: fc.integer(),
  escapeRate: fc.constantFrom(0, 0.05, 0.5, 1),
  spaceRate: fc.constantFrom(0, 0.3),
  single: fc.boolean(),
};

/** An article-form body of `texts`, written any way JSON allows. */
export const articleBody = (texts: fc.Arbitrary<string[]> = bodyTexts) =>
  fc.record({ texts, ...writing }).map(({ texts: t, ...options }) => writeBody(t, options));

/**
 * A rich-form body: an object of "texts" (or "text", for one text and `single`) and maybe "topK" and
 * "explain", in any order, the strings written any way JSON allows and the numbers as plain digits.
 */
export const richBody = (texts: fc.Arbitrary<string[]> = bodyTexts) =>
  fc
    .record({
      texts,
      ...writing,
      topK: fc.option(fc.oneof(fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 999_999_999 })), { nil: undefined }),
      explain: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
      order: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
    })
    .map(({ texts: t, topK, explain, order, ...options }) => {
      const space = options.spaceRate > 0 ? ' \n' : '';
      const textMember = options.single && t.length === 1
        ? `"text"${space}:${space}${writeBody(t, { ...options, single: true })}`
        : `"texts":${writeBody(t, { ...options, single: false })}`;
      const members = [textMember];
      if (topK !== undefined) members.push(`"topK"${space}:${topK}`);
      if (explain !== undefined) members.push(`"explain":${space}${explain}`);
      // A member order from the drawn keys.
      const sorted = members.map((m, i) => [order[i] ?? 0, m] as const).sort((a, b) => a[0] - b[0]).map(([, m]) => m);
      return `${space}{${space}${sorted.join(`${space},`)}${space}}${space}`;
    });

/** An article-form body with a few characters deleted, inserted or replaced: JSON or not. */
export const mangledBody = fc
  .tuple(
    fc.oneof(articleBody(), richBody()),
    fc.array(fc.record({ at: fc.nat(), op: fc.constantFrom('delete', 'insert', 'replace'), unit: fc.constantFrom(...MANGLE) }), { minLength: 1, maxLength: 3 }),
  )
  .map(([body, edits]) => {
    let s = body;
    for (const { at, op, unit } of edits) {
      const i = s.length === 0 ? 0 : at % s.length;
      s = op === 'delete' ? s.slice(0, i) + s.slice(i + 1) : op === 'insert' ? s.slice(0, i) + unit + s.slice(i) : s.slice(0, i) + unit + s.slice(i + 1);
    }
    return s;
  });
