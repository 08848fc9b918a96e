import fc from 'fast-check';
import { ENDPOINT_LIMITS } from '../constants.js';

/** One fuzzed request: where, with which key, and which bytes. */
export interface FuzzRequest {
  readonly path: string;
  readonly key: 'valid' | 'missing' | 'wrong';
  readonly contentType: string | undefined;
  /** A string is sent as UTF-8; bytes as they are (possibly invalid UTF-8). */
  readonly body: string | Uint8Array;
  /** What the generator meant to produce, for the report. */
  readonly kind: string;
}

const { maxTexts, maxTextChars } = ENDPOINT_LIMITS;

const anyText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 80 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  // Lone surrogates and control characters: JSON can carry them, UTF-8 encoders must cope.
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constant('') },
);
const notText = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 }));
const limitNumber = fc.oneof(fc.integer({ min: -3, max: 60 }), fc.double({ noNaN: false }), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean());

/** Bodies with the endpoint's own shapes, valid or nearly so. */
const articleArray = fc.array(fc.oneof({ weight: 9, arbitrary: anyText }, { weight: 1, arbitrary: notText }), { maxLength: 12 }).map((a) => JSON.stringify(a));
const singleString = anyText.map((s) => JSON.stringify(s));
const rich = fc
  .record(
    {
      text: fc.oneof(anyText, notText),
      texts: fc.oneof(fc.array(anyText, { maxLength: 6 }), notText),
      topK: limitNumber,
      explain: limitNumber,
    },
    { requiredKeys: [] },
  )
  .chain((r) =>
    fc.tuple(fc.constant(r), fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }), { freq: 4 })),
  )
  // Sometimes unknown fields too (generated, not random: a seed must replay the same run).
  .map(([r, extra]) => JSON.stringify(extra ? { ...extra, ...r } : r));

/** Rich bodies that are valid, so the success path of the rich form (topK, explain) is fuzzed too. */
const validRich = fc
  .record({
    single: fc.boolean(),
    text: anyText,
    texts: fc.array(anyText, { maxLength: 6 }),
    topK: fc.option(fc.integer({ min: 1, max: 20 }), { nil: undefined }),
    explain: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
  })
  .map(({ single, text, texts, topK, explain }) => JSON.stringify({ ...(single ? { text } : { texts }), topK, explain }));

/** Bodies around the limits (SPEC section 5): batch size, text length, nesting depth. */
const nearLimits = fc.oneof(
  fc.integer({ min: maxTexts - 2, max: maxTexts + 3 }).map((n) => JSON.stringify(Array.from({ length: n }, () => 'x'))),
  fc.integer({ min: maxTextChars - 3, max: maxTextChars + 3 }).map((n) => JSON.stringify(['a'.repeat(n)])),
  fc.integer({ min: maxTextChars - 3, max: maxTextChars + 3 }).map((n) => JSON.stringify({ text: 'b'.repeat(n), topK: 2 })),
  // Deep nesting: JSON.parse may run out of stack; that must still be a 400.
  fc.integer({ min: 1, max: 200_000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
);

/** Anything at all: JSON values, broken JSON, raw bytes. */
const arbitraryJson = fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v));
const brokenJson = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.jsonValue({ maxDepth: 2 }).chain((v) => fc.integer({ min: 0, max: 40 }).map((cut) => JSON.stringify(v).slice(0, cut))),
);
const rawBytes = fc.uint8Array({ maxLength: 200 });

const bodyArb: fc.Arbitrary<{ body: string | Uint8Array; kind: string }> = fc.oneof(
  { weight: 4, arbitrary: articleArray.map((body) => ({ body, kind: 'array' })) },
  { weight: 1, arbitrary: singleString.map((body) => ({ body, kind: 'string' })) },
  { weight: 3, arbitrary: rich.map((body) => ({ body, kind: 'rich' })) },
  { weight: 2, arbitrary: validRich.map((body) => ({ body, kind: 'valid-rich' })) },
  { weight: 1, arbitrary: nearLimits.map((body) => ({ body, kind: 'near-limits' })) },
  { weight: 2, arbitrary: arbitraryJson.map((body) => ({ body, kind: 'json' })) },
  { weight: 2, arbitrary: brokenJson.map((body) => ({ body, kind: 'broken-json' })) },
  { weight: 1, arbitrary: rawBytes.map((body) => ({ body, kind: 'bytes' })) },
);

export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    path: fc.oneof(
      { weight: 16, arbitrary: fc.constant('/predict') },
      { weight: 2, arbitrary: fc.constant('/predict/') },
      { weight: 1, arbitrary: fc.stringMatching(/^\/[a-z0-9_-]{1,12}$/) },
    ),
    key: fc.oneof({ weight: 18, arbitrary: fc.constant('valid' as const) }, fc.constant('missing' as const), fc.constant('wrong' as const)),
    contentType: fc.oneof(
      { weight: 8, arbitrary: fc.constant('application/json') },
      fc.constant('text/plain; charset=utf-8'),
      fc.constant('application/octet-stream'),
      fc.constant(undefined),
    ),
    b: bodyArb,
  })
  .map(({ b, ...rest }) => ({ ...rest, body: b.body, kind: b.kind }));
