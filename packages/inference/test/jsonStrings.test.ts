/**
 * The request-body reader (featurize/jsonStrings.wat): for a body it reads, it must give exactly the
 * strings and numbers JSON.parse gives; it must read every request form within its limits written as
 * it reads them (any strings, plain digits, keys as themselves); and everything else (invalid JSON
 * included) it must leave to JSON.parse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_STRINGS_WASM } from '../src/featurize/jsonStringsWasm.js';
import { articleBody, mangledBody, richBody, writeBody } from './helpers/jsonBodies.js';

const memory = new WebAssembly.Memory({ initial: 80 });
const { readStrings } = new WebAssembly.Instance(new WebAssembly.Module(JSON_STRINGS_WASM), { env: { memory } }).exports as unknown as {
  readStrings: (at: number, length: number, texts: number, maxTexts: number, maxUnits: number, options: number) => number;
};
const bytes = Buffer.from(memory.buffer);
// The body at an odd place (the reader's loads need no alignment), its texts' [address, units] past it.
const AT = 1030;
const TEXTS = 4 << 20;
const OPTIONS = TEXTS - 16;

interface Request {
  form: 'article' | 'rich';
  texts: string[];
  topK: number;
  explain: number;
}

/** The request the reader reads in `body`, or undefined when it leaves the body to JSON.parse. */
function readRequest(body: string, limits: { maxTexts?: number; maxUnits?: number } = {}): Request | undefined {
  bytes.write(body, AT, 'utf16le');
  const n = readStrings(AT, body.length, TEXTS, limits.maxTexts ?? 4096, limits.maxUnits ?? 1 << 30, OPTIONS);
  if (n < 0) return undefined;
  const index = new Int32Array(memory.buffer, TEXTS, 2 * n);
  const options = new Int32Array(memory.buffer, OPTIONS, 3);
  return {
    form: options[0] === 1 ? 'rich' : 'article',
    texts: Array.from({ length: n }, (_, i) => bytes.toString('utf16le', index[2 * i] as number, (index[2 * i] as number) + 2 * (index[2 * i + 1] as number))),
    topK: options[1] as number,
    explain: options[2] as number,
  };
}

/** The reader's strings for `body` (either form), or undefined. */
const read = (body: string, limits: { maxTexts?: number; maxUnits?: number } = {}) => readRequest(body, limits)?.texts;

const isInteger = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9;

/**
 * The request JSON.parse finds in `body`: a string or a non-empty array of strings (the article's
 * form), or an object of exactly one of a string "text" or a non-empty array of strings "texts", and
 * maybe integer "topK" and "explain" (the rich form); else undefined.
 */
function parsedRequest(body: string): Request | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const strings = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string');
  if (typeof value === 'string') return { form: 'article', texts: [value], topK: 1, explain: 0 };
  if (strings(value)) return { form: 'article', texts: value as string[], topK: 1, explain: 0 };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const o = value as Record<string, unknown>;
  if (!Object.keys(o).every((k) => ['text', 'texts', 'topK', 'explain'].includes(k)) || ('text' in o) === ('texts' in o)) return undefined;
  if ('text' in o ? typeof o.text !== 'string' : !strings(o.texts)) return undefined;
  if (('topK' in o && !isInteger(o.topK)) || ('explain' in o && !isInteger(o.explain))) return undefined;
  return { form: 'rich', texts: 'text' in o ? [o.text as string] : (o.texts as string[]), topK: (o.topK as number | undefined) ?? 1, explain: (o.explain as number | undefined) ?? 0 };
}

/** JSON.parse's strings for `body`, in either form; else undefined. */
const parsedStrings = (body: string) => parsedRequest(body)?.texts;

describe('the request-body reader', () => {
  it('reads a string or an array of strings, written any way JSON allows, as JSON.parse does (property)', () => {
    fc.assert(
      fc.property(articleBody(), (body) => {
        expect(read(body)).toEqual(parsedStrings(body));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads the rich form, written any way JSON allows with its numbers as digits, as JSON.parse does (property)', () => {
    fc.assert(
      fc.property(richBody(), (body) => {
        expect(readRequest(body)).toEqual(parsedRequest(body));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a body only when JSON.parse gives that same request, and reads every such body (property: mangled bodies)', () => {
    fc.assert(
      fc.property(mangledBody, (body) => {
        expect(readRequest(body)).toEqual(parsedRequest(body));
      }),
      { numRuns: 4000 },
    );
  });

  it('leaves to JSON.parse an object it does not read as it is written, whatever JSON.parse makes of it', () => {
    for (const body of ['{}', '{"texts":[]}', '{"texts":"a"}', '{"text":["a"]}', '{"text":"a","texts":["b"]}', '{"texts":["a"],"text":"b"}',
      '{"text":"a","text":"b"}', '{"text":"a","topK":1,"topK":2}', '{"text":"a","other":1}', '{"t\\u0065xt":"a"}', '{"text":"a","topK":1.0}',
      '{"text":"a","topK":1e0}', '{"text":"a","topK":-1}', '{"text":"a","topK":01}', '{"text":"a","topK":1000000000}', '{"text":"a","explain":true}',
      '{"text":"a","topK":null}', '{"text":"a",}', '{"text":"a"', '{"text" "a"}', '{"text":"a"}}', '[{"text":"a"}]', '{"TEXT":"a"}', '{"textss":["a"]}']) {
      expect(readRequest(body), body).toBeUndefined();
    }
    expect(readRequest(' {"topK" :3, "explain":0 ,"texts": [ "a","b" ] } ')).toEqual({ form: 'rich', texts: ['a', 'b'], topK: 3, explain: 0 });
    expect(readRequest('{"text":"a","explain":999999999,"topK":0}')).toEqual({ form: 'rich', texts: ['a'], topK: 0, explain: 999999999 });
    expect(readRequest('{"text":"a"}', { maxTexts: 0 })).toBeUndefined();
    expect(readRequest('{"texts":["a","b"]}', { maxTexts: 1 })).toBeUndefined();
    expect(readRequest('{"text":"abcd"}', { maxUnits: 3 })).toBeUndefined();
  });

  it('unescapes every escape JSON has, in place, at any offset from the 16-unit blocks', () => {
    const text = 'a"b\\c/d\be\ff\ng\rh\ti\u0000j\u001fk\u00e9l\ud83d\ude00m\udc00n';
    for (let pad = 0; pad < 40; pad++) {
      const padded = 'x'.repeat(pad) + text + 'y'.repeat(pad);
      for (const escapeRate of [0, 1]) {
        const body = writeBody([padded, text], { seed: pad, escapeRate, spaceRate: 0, single: false });
        expect(read(body)).toEqual([padded, text]);
      }
    }
    expect(read('["\\u0041\\u00E9\\u00e9\\uD83D\\uDE00\\/"]')).toEqual(['Aéé😀/']);
  });

  it('leaves to JSON.parse every other value, invalid JSON, and what is over its limits', () => {
    for (const body of ['', ' ', '[]', '[ ]', '1', 'null', '["a",1]', '["a",["b"]]', '[1,"a"]', '["a",]', '["a"', '["a"]]', '["a"] x', '"a" "b"', '\ufeff["a"]',
      '["a\\x"]', '["\\u12"]', '["\\u12g4"]', '["a\u0000"]', '["a\n"]', '["a\\', '"', '"abc', '["a"\u00a0]', '[\u000b"a"]']) {
      expect(read(body), JSON.stringify(body)).toBeUndefined();
    }
    expect(read('["a","b","c"]', { maxTexts: 3 })).toEqual(['a', 'b', 'c']);
    expect(read('["a","b","c"]', { maxTexts: 2 })).toBeUndefined();
    expect(read('"a"', { maxTexts: 0 })).toBeUndefined();
    // The limit counts the units of the string JSON.parse gives, not of its escapes.
    expect(read('["\\n\\n\\n", "\\u0041bc"]', { maxUnits: 3 })).toEqual(['\n\n\n', 'Abc']);
    expect(read('["abcd"]', { maxUnits: 3 })).toBeUndefined();
    expect(read(' \t\r\n[ "a" ,\n"b" ] \n')).toEqual(['a', 'b']);
  });
});
