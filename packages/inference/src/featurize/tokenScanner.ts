import { Buffer } from 'node:buffer';
import { SPECIAL } from './charClasses.js';
import { SCAN_WASM } from './scanWasm.js';

/** The layout of scan.wat's memory (bytes). */
const CODE = 0;
const TABLE = 262_144;
const UNITS = 393_216;
const RECORDS = 655_360;
/** The longest text the module scans; a longer one is scanned in JavaScript. */
export const MAX_SCAN_UNITS = 131_072;

/**
 * The featurizer's character scan in WebAssembly (scan.wat): text in, tokens out as records
 * [start in `units`, length, hash] over their lowercased code units.
 *
 * Why: the scan (a table lookup, a store and a hash step per character, a mispredicted branch per
 * token) took 55 us in JavaScript and 29 us here for the 60 test posts of about 8,600 characters that
 * set the p99, each measured after another post's featurize and graph run (44 against 24 us hot):
 * V8's code for the loop carries a bounds check per typed-array access and boxes the loop's state
 * across the branches. Only the scan is here; the vocabulary lookups are bound by memory, not code.
 * Texts with a character the table cannot give (NUL, surrogates, blocks not asked yet) are scanned by
 * the JavaScript path, which handles them.
 */
export class TokenScanner {
  /**
   * The character table, in the module's memory: give it to CharClasses as its `bmp` (the Featurizer
   * checks). Until then every character is one the module leaves to JavaScript.
   */
  readonly table: Uint16Array;
  readonly units: Uint16Array;
  readonly records: Int32Array;
  private readonly code: Buffer;
  private readonly run: (length: number, minRun: number) => number;

  constructor() {
    // Under 300 bytes of code: compiled synchronously in well under a millisecond.
    const instance = new WebAssembly.Instance(new WebAssembly.Module(SCAN_WASM));
    const exports = instance.exports as { memory: WebAssembly.Memory; scan: (length: number, minRun: number) => number };
    // The memory never grows (the module has no memory.grow), so these views stay valid.
    const memory = exports.memory.buffer;
    this.code = Buffer.from(memory, CODE, 2 * MAX_SCAN_UNITS);
    this.table = new Uint16Array(memory, TABLE, 0x10000).fill(SPECIAL);
    this.units = new Uint16Array(memory, UNITS, MAX_SCAN_UNITS);
    this.records = new Int32Array(memory, RECORDS, 3 * (MAX_SCAN_UNITS / 2));
    this.run = exports.scan;
  }

  /**
   * Scans `text` for runs of at least `minRun` kept characters: the number of records written, or -1
   * when the text must be scanned in JavaScript (too long, or a character the table cannot give).
   */
  scan(text: string, minRun: number): number {
    if (text.length > MAX_SCAN_UNITS) return -1;
    // 'utf16le' writes code units as they are, lone surrogates included (the table sends those back).
    this.code.write(text, 0, 'utf16le');
    return this.run(text.length, minRun);
  }
}
