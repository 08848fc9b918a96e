/**
 * The request-body reader (featurize/jsonStrings.wat): for a body it reads, it must give exactly the
 * strings JSON.parse gives; it must read every string or non-empty array of strings within its limits;
 * and everything else (invalid JSON included) it must leave to JSON.parse.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JSON_STRINGS_WASM } from '../src/featurize/jsonStringsWasm.js';
import { articleBody, mangledBody, writeBody } from './helpers/jsonBodies.js';

const memory = new WebAssembly.Memory({ initial: 80 });
const { readStrings } = new WebAssembly.Instance(new WebAssembly.Module(JSON_STRINGS_WASM), { env: { memory } }).exports as unknown as {
  readStrings: (at: number, length: number, texts: number, maxTexts: number, maxUnits: number) => number;
};
const bytes = Buffer.from(memory.buffer);
// The body at an odd place (the reader's loads need no alignment), its texts' [address, units] past it.
const AT = 1030;
const TEXTS = 4 << 20;

/** The reader's strings for `body`, or undefined when it leaves the body to JSON.parse. */
function read(body: string, limits: { maxTexts?: number; maxUnits?: number } = {}): string[] | undefined {
  bytes.write(body, AT, 'utf16le');
  const n = readStrings(AT, body.length, TEXTS, limits.maxTexts ?? 4096, limits.maxUnits ?? 1 << 30);
  if (n < 0) return undefined;
  const index = new Int32Array(memory.buffer, TEXTS, 2 * n);
  return Array.from({ length: n }, (_, i) => bytes.toString('utf16le', index[2 * i] as number, (index[2 * i] as number) + 2 * (index[2 * i + 1] as number)));
}

/** JSON.parse's strings when `body` is a string or a non-empty array of strings; else undefined. */
function parsedStrings(body: string): string[] | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value === 'string') return [value];
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value : undefined;
}

describe('the request-body reader', () => {
  it('reads a string or an array of strings, written any way JSON allows, as JSON.parse does (property)', () => {
    fc.assert(
      fc.property(articleBody(), (body) => {
        expect(read(body)).toEqual(parsedStrings(body));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a body only when JSON.parse gives those same strings, and reads every such body (property: mangled bodies)', () => {
    fc.assert(
      fc.property(mangledBody, (body) => {
        expect(read(body)).toEqual(parsedStrings(body));
      }),
      { numRuns: 3000 },
    );
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
    for (const body of ['', ' ', '[]', '[ ]', '{}', '{"texts":["a"]}', '1', 'null', '["a",1]', '["a",["b"]]', '[1,"a"]', '["a",]', '["a"', '["a"]]', '["a"] x', '"a" "b"', '\ufeff["a"]',
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
