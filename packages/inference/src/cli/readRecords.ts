import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { DEFAULT_LIMITS } from '../constants.js';

/** One input record: its 1-based line (JSONL) or row (CSV, header excluded) number, and its text. */
export type InputRecord = { line: number; id?: string; text: string } | { line: number; error: string };

export type InputFormat = 'jsonl' | 'csv';

/**
 * Most characters one JSONL line or CSV record may hold: the function's largest request body
 * (1 MB), since nothing longer could be predicted in real time either. Past it the record is skipped
 * to its end and reported, so one missing newline or quote cannot make the reader hold the file.
 */
export const MAX_RECORD_CHARS = DEFAULT_LIMITS.maxBodyBytes;

/** The function's per-text limit, so batch and real time accept the same texts (and a batch stays small). */
const MAX_TEXT_CHARS = DEFAULT_LIMITS.maxTextChars;

type Chunked<T> = T | { error: string };

export function formatOf(path: string): InputFormat {
  if (/\.jsonl$|\.ndjson$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  throw new Error(`cannot tell the format of ${path}: use a .jsonl or .csv file`);
}

/** The record, or an error record when its text is longer than the function would take. */
function textRecord(line: number, text: string, id: string | undefined): InputRecord {
  if (text.length > MAX_TEXT_CHARS) return { line, error: `text has ${text.length} characters, more than ${MAX_TEXT_CHARS}` };
  return { line, text, ...(id !== undefined ? { id } : {}) };
}

const tooLong = { error: `record has more than ${MAX_RECORD_CHARS} characters` };

/**
 * JSONL: each line is a JSON string, or an object with `text` (and optionally `id`). Blank lines
 * are skipped. A bad line becomes an error record; the run goes on.
 */
export async function* readJsonl(stream: Readable, textField = 'text', idField = 'id'): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const raw of lines(decoded(stream))) {
    line++;
    if (typeof raw !== 'string') {
      yield { line, ...raw };
      continue;
    }
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      yield { line, error: `invalid JSON: ${(e as Error).message}` };
      continue;
    }
    if (typeof value === 'string') {
      yield textRecord(line, value, undefined);
    } else if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)[textField] === 'string') {
      const obj = value as Record<string, unknown>;
      const id = obj[idField];
      yield textRecord(line, obj[textField] as string, id !== undefined && id !== null ? String(id) : undefined);
    } else {
      yield { line, error: `expected a JSON string or an object with a string "${textField}"` };
    }
  }
}

/**
 * The stream's text, without a leading UTF-8 byte order mark (editors on Windows write one; JSON.parse
 * and header names must not see it). Empty chunks are dropped.
 */
async function* decoded(stream: Readable): AsyncGenerator<string> {
  stream.setEncoding('utf8');
  let first = true;
  for await (let chunk of stream as AsyncIterable<string>) {
    // A mark split across byte chunks decodes whole, in the first non-empty string.
    if (first && chunk !== '') {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    if (chunk !== '') yield chunk;
  }
}

/**
 * Lines ended by LF, CRLF or CR (as readline splits them), without the line end. readline would
 * hold a line of any length; a line past MAX_RECORD_CHARS is dropped as it comes and reported.
 */
async function* lines(chunks: AsyncIterable<string>): AsyncGenerator<Chunked<string>> {
  let parts: string[] = [];
  let size = 0;
  let pendingCr = false;
  const take = (s: string) => {
    size += s.length;
    if (size > MAX_RECORD_CHARS) parts = [];
    else if (s !== '') parts.push(s);
  };
  const end = (): Chunked<string> => {
    const line = size > MAX_RECORD_CHARS ? tooLong : parts.join('');
    parts = [];
    size = 0;
    return line;
  };
  for await (const chunk of chunks) {
    const out: Chunked<string>[] = [];
    // A CR ended the previous chunk: an LF starting this one is the same line end.
    let from = pendingCr && chunk.startsWith('\n') ? 1 : 0;
    const eol = /\r\n?|\n/g;
    eol.lastIndex = from;
    for (let m = eol.exec(chunk); m; m = eol.exec(chunk)) {
      take(chunk.slice(from, m.index));
      out.push(end());
      from = eol.lastIndex;
    }
    take(chunk.slice(from));
    pendingCr = chunk.endsWith('\r');
    yield* out;
  }
  if (size > 0) yield end();
}

/**
 * CSV (RFC 4180: quoted fields may hold commas, quotes and newlines), streamed: a header row names
 * the columns; `textField` must be one of them. Memory holds one row at a time.
 */
export async function* readCsv(stream: Readable, textField = 'text', idField = 'id'): AsyncGenerator<InputRecord> {
  let header: string[] | undefined;
  let textCol = -1;
  let idCol = -1;
  let row = 0;
  for await (const fields of csvRows(decoded(stream))) {
    if (!header) {
      if (!Array.isArray(fields)) throw new Error(`the CSV header cannot be read: ${fields.error}`);
      header = fields.map((f) => f.trim());
      textCol = header.indexOf(textField);
      idCol = header.indexOf(idField);
      if (textCol < 0) throw new Error(`the CSV header has no "${textField}" column (columns: ${header.join(', ')})`);
      continue;
    }
    row++;
    if (!Array.isArray(fields)) {
      yield { line: row, ...fields };
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    const text = fields[textCol];
    if (text === undefined) {
      yield { line: row, error: `row has ${fields.length} fields, no "${textField}" column` };
      continue;
    }
    yield textRecord(row, text, idCol >= 0 ? fields[idCol] : undefined);
  }
}

/**
 * Where the parser is within a field: at its start (only there does a quote open a quoted field, as
 * RFC 4180 has it; elsewhere it is a literal character, so `5" screen` cannot swallow the rows after
 * it), in an unquoted or quoted field, or just after a quote inside a quoted field (which closes it,
 * unless another quote follows: "" is an escaped quote).
 */
type CsvState = 'start' | 'unquoted' | 'quoted' | 'quote';

async function* csvRows(chunks: AsyncIterable<string>): AsyncGenerator<Chunked<string[]>> {
  let field = '';
  let fields: string[] = [];
  let size = 0;
  let state: CsvState = 'start';
  let pendingCr = false;
  const add = (ch: string) => {
    // Past the cap the rest of the record is still parsed, to find where it ends, but not kept.
    if (++size <= MAX_RECORD_CHARS) field += ch;
  };
  const endField = () => {
    if (size <= MAX_RECORD_CHARS) fields.push(field);
    field = '';
    state = 'start';
  };
  const endRow = (): Chunked<string[]> => {
    const row = size > MAX_RECORD_CHARS ? tooLong : fields;
    fields = [];
    size = 0;
    return row;
  };
  for await (const chunk of chunks) {
    const rows: Chunked<string[]>[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue;
      }
      if (state === 'quoted') {
        if (ch === '"') state = 'quote';
        else add(ch);
      } else if (state === 'quote' && ch === '"') {
        add('"');
        state = 'quoted';
      } else if (ch === ',') {
        endField();
      } else if (ch === '\n' || ch === '\r') {
        endField();
        rows.push(endRow());
        pendingCr = ch === '\r';
      } else if (ch === '"' && state === 'start') {
        state = 'quoted';
      } else {
        // Includes text after a closing quote (`"a"b`): kept, as before, rather than refused.
        add(ch);
        state = 'unquoted';
      }
    }
    yield* rows;
  }
  // The file ended inside quotes: the row never ended, so it is reported, not predicted.
  if (state === 'quoted') yield { error: 'unterminated quoted field' };
  else if (state !== 'start' || fields.length > 0 || size > 0) {
    endField();
    yield endRow();
  }
}

export function readRecords(path: string, options: { textField?: string; idField?: string; onBytes?: (n: number) => void } = {}): AsyncGenerator<InputRecord> {
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  if (options.onBytes) {
    const onBytes = options.onBytes;
    stream.on('data', (chunk) => onBytes(chunk.length));
  }
  return formatOf(path) === 'csv' ? readCsv(stream, options.textField, options.idField) : readJsonl(stream, options.textField, options.idField);
}
