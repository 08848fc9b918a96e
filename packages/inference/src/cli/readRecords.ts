import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** One input record: its 1-based line (JSONL) or row (CSV, header excluded) number, and its text. */
export type InputRecord = { line: number; id?: string; text: string } | { line: number; error: string };

export type InputFormat = 'jsonl' | 'csv';

export function formatOf(path: string): InputFormat {
  if (/\.jsonl$|\.ndjson$/i.test(path)) return 'jsonl';
  if (/\.csv$/i.test(path)) return 'csv';
  throw new Error(`cannot tell the format of ${path}: use a .jsonl or .csv file`);
}

/**
 * JSONL: each line is a JSON string, or an object with `text` (and optionally `id`). Blank lines
 * are skipped. A bad line becomes an error record; the run goes on.
 */
export async function* readJsonl(stream: Readable, textField = 'text', idField = 'id'): AsyncGenerator<InputRecord> {
  let line = 0;
  for await (const raw of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    line++;
    if (raw.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      yield { line, error: `invalid JSON: ${(e as Error).message}` };
      continue;
    }
    if (typeof value === 'string') {
      yield { line, text: value };
    } else if (value && typeof value === 'object' && typeof (value as Record<string, unknown>)[textField] === 'string') {
      const obj = value as Record<string, unknown>;
      const id = obj[idField];
      yield { line, text: obj[textField] as string, ...(id !== undefined && id !== null ? { id: String(id) } : {}) };
    } else {
      yield { line, error: `expected a JSON string or an object with a string "${textField}"` };
    }
  }
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
  for await (const fields of csvRows(stream)) {
    if (!header) {
      header = fields.map((f) => f.trim());
      textCol = header.indexOf(textField);
      idCol = header.indexOf(idField);
      if (textCol < 0) throw new Error(`the CSV header has no "${textField}" column (columns: ${header.join(', ')})`);
      continue;
    }
    row++;
    if (fields.length === 1 && fields[0] === '') continue;
    const text = fields[textCol];
    if (text === undefined) {
      yield { line: row, error: `row has ${fields.length} fields, no "${textField}" column` };
      continue;
    }
    const id = idCol >= 0 ? fields[idCol] : undefined;
    yield { line: row, text, ...(id !== undefined ? { id } : {}) };
  }
}

async function* csvRows(stream: Readable): AsyncGenerator<string[]> {
  let field = '';
  let fields: string[] = [];
  let quoted = false;
  let afterQuote = false;
  let pendingCr = false;
  stream.setEncoding('utf8');
  for await (const chunk of stream as AsyncIterable<string>) {
    const rows: string[][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i] as string;
      if (quoted) {
        if (ch === '"') {
          quoted = false;
          afterQuote = true;
        } else field += ch;
        continue;
      }
      if (pendingCr) {
        pendingCr = false;
        if (ch === '\n') continue;
      }
      if (ch === '"') {
        // A quote right after a closing quote is an escaped quote ("" inside a quoted field).
        if (afterQuote) field += '"';
        quoted = true;
        afterQuote = false;
      } else if (ch === ',') {
        fields.push(field);
        field = '';
        afterQuote = false;
      } else if (ch === '\n' || ch === '\r') {
        fields.push(field);
        rows.push(fields);
        fields = [];
        field = '';
        afterQuote = false;
        pendingCr = ch === '\r';
      } else {
        field += ch;
        afterQuote = false;
      }
    }
    yield* rows;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    yield fields;
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
