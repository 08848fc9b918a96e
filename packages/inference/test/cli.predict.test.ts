import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/predict.js';
import { readCsv, readJsonl } from '../src/cli/readRecords.js';
import { tinyArtifact } from './helpers/artifacts.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/classifier-predict.js', import.meta.url));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** A stream of `text`'s UTF-8 bytes in chunks of `size` bytes (so multi-byte characters split too). */
function bytes(text: string | Buffer, size = 64 * 1024): Readable {
  const all = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < all.length; i += size) chunks.push(all.subarray(i, i + size));
  return Readable.from(chunks);
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

describe('Function: readCsv', () => {
  it('parses quoted fields with commas, quotes, CRLF and newlines, across chunk boundaries', async () => {
    const csv = 'id,text\r\n1,"rocket, orbit"\r\n2,"she said ""bake""\nthen left"\r\n3,plain\n';
    const chunks = csv.match(/.{1,3}/gs) ?? [];
    const rows = await collect(readCsv(Readable.from(chunks.map((c) => Buffer.from(c)))));
    expect(rows).toEqual([
      { line: 1, id: '1', text: 'rocket, orbit' },
      { line: 2, id: '2', text: 'she said "bake"\nthen left' },
      { line: 3, id: '3', text: 'plain' },
    ]);
  });

  it('fails clearly when the header has no text column', async () => {
    await expect(collect(readCsv(Readable.from([Buffer.from('a,b\n1,2\n')])))).rejects.toThrow(/no "text" column/);
  });

  it('treats a quote inside an unquoted field as a literal character (RFC 4180)', async () => {
    const rows = await collect(readCsv(bytes('id,text,note\n1,5" screen,x\n2,"quoted, ok",y\n3,a "b" c,z\n')));
    expect(rows).toEqual([
      { line: 1, id: '1', text: '5" screen' },
      { line: 2, id: '2', text: 'quoted, ok' },
      { line: 3, id: '3', text: 'a "b" c' },
    ]);
  });

  it('reports a quoted field still open at the end of the file as an error for its row, not a record', async () => {
    const rows = await collect(readCsv(bytes('id,text\n1,ok\n2,"never closed\n3,more\n', 3)));
    expect(rows).toEqual([
      { line: 1, id: '1', text: 'ok' },
      { line: 2, error: 'unterminated quoted field' },
    ]);
  });

  it('reports over-long records and texts as errors for their rows and goes on', async () => {
    const huge = 'a'.repeat(1_100_000); // past the 1 MB record cap, as a quoted field spanning many chunks
    const long = 'b'.repeat(100_001); // within the record cap, past the function's text limit
    const rows = await collect(readCsv(bytes(`id,text\n1,"${huge}"\n2,${long}\n3,fine\n`)));
    expect(rows).toEqual([
      { line: 1, error: expect.stringMatching(/more than 1048576 characters/) },
      { line: 2, error: 'text has 100001 characters, more than 100000' },
      { line: 3, id: '3', text: 'fine' },
    ]);
  });

  it('skips a UTF-8 byte order mark before the header, even split across chunks', async () => {
    // Quoted: a quote after the mark would be mid-field, hence literal, and the header would lack "text".
    const rows = await collect(readCsv(bytes(Buffer.concat([BOM, Buffer.from('"text",id\nhello,1\n')]), 2)));
    expect(rows).toEqual([{ line: 1, id: '1', text: 'hello' }]);
  });
});

describe('Function: readJsonl', () => {
  it('skips a UTF-8 byte order mark at the start of the file', async () => {
    const rows = await collect(readJsonl(bytes(Buffer.concat([BOM, Buffer.from('"hello"\n{"text": "x"}\n')]), 2)));
    expect(rows).toEqual([
      { line: 1, text: 'hello' },
      { line: 2, text: 'x' },
    ]);
  });

  it('splits lines at LF, CRLF and CR across chunk boundaries, numbering blank lines too', async () => {
    const rows = await collect(readJsonl(bytes('"a"\r\n"b"\r"c"\n\n"d"', 1)));
    expect(rows).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: 'c' },
      { line: 5, text: 'd' },
    ]);
  });

  it('reports over-long lines and texts as errors for their lines and goes on', async () => {
    const huge = JSON.stringify('a'.repeat(1_100_000));
    const long = JSON.stringify({ text: 'b'.repeat(100_001) });
    const rows = await collect(readJsonl(bytes(`${huge}\n${long}\n"fine"\n`)));
    expect(rows).toEqual([
      { line: 1, error: expect.stringMatching(/more than 1048576 characters/) },
      { line: 2, error: 'text has 100001 characters, more than 100000' },
      { line: 3, text: 'fine' },
    ]);
  });
});

describe('CLI: classifier-predict', () => {
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;
  beforeAll(async () => {
    tiny = await tinyArtifact('explain');
  });
  afterAll(() => tiny.remove());

  it('predicts a JSONL file (strings and objects), reports bad lines and exits 2', async () => {
    const input = join(tiny.dir, 'in.jsonl');
    const output = join(tiny.dir, 'out.jsonl');
    const lines = ['"nasa rocket"', '{"id": 7, "text": "bake in the oven"}', '', 'not json', ...Array.from({ length: 150 }, (_, i) => JSON.stringify(i % 2 ? 'goal team' : 'orbit'))];
    await writeFile(input, `${lines.join('\n')}\n`);
    const result = await run(process.execPath, [BIN, '--model', tiny.dir, '--input', input, '--output', output, '--batch-size', '16', '--top-k', '2', '--explain', '1']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect((result as { code?: number }).code).toBe(2);
    expect((result as { stderr: string }).stderr).toMatch(/152 predicted, 1 errors, 153 records/);
    const out = (await readFile(output, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toHaveLength(153);
    expect(out[0]).toMatchObject({ line: 1, label: 'space' });
    expect(out[0].top).toHaveLength(2);
    expect(out[0].explanation).toHaveLength(1);
    expect(out[1]).toMatchObject({ line: 2, id: '7', label: 'cooking' });
    expect(out.find((r) => r.error)).toMatchObject({ line: 4, error: expect.stringMatching(/invalid JSON/) });
    expect(out.at(-1)).toMatchObject({ line: 154, label: 'sports' });
  });

  it('predicts a CSV file and exits 0', async () => {
    const input = join(tiny.dir, 'in.csv');
    const output = join(tiny.dir, 'out-csv.jsonl');
    await writeFile(input, 'id,text\na,"rocket, orbit"\nb,oven\n');
    const { stderr } = await run(process.execPath, [BIN, '--model', tiny.dir, '--input', input, '--output', output]);
    expect(stderr).toMatch(/2 predicted, 0 errors/);
    const out = (await readFile(output, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(out).toEqual([
      { line: 1, id: 'a', label: 'space', probability: expect.any(Number) },
      { line: 2, id: 'b', label: 'cooking', probability: expect.any(Number) },
    ]);
  });

  describe('refuses a bad numeric flag before doing any work, with exit 64', () => {
    let stderr = '';
    afterEach(() => {
      vi.restoreAllMocks();
      stderr = '';
    });
    it.each([
      ['--batch-size', 'abc'],
      ['--batch-size', '0'],
      ['--batch-size', '257'],
      ['--batch-size', '1.5'],
      ['--top-k', 'abc'],
      ['--top-k', '2.5'],
      ['--top-k', '0'],
      ['--top-k', '4'], // the tiny model has 3 labels
      ['--explain', 'abc'],
      ['--explain', '51'],
      ['--explain', '1e1'],
    ])('%s %s', async (flag, value) => {
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
        stderr += String(chunk);
        return true;
      });
      const input = join(tiny.dir, 'flags.jsonl');
      const output = join(tiny.dir, `flags-${flag}-${value}.jsonl`);
      await writeFile(input, '"nasa rocket"\n');
      const code = await main(['--model', tiny.dir, '--input', input, '--output', output, '--no-progress', `${flag}=${value}`]);
      expect(code).toBe(64);
      const lines = stderr.trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(new RegExp(`^classifier-predict: ${flag} must be an integer`));
      expect(lines[1]).toMatch(/^usage: classifier-predict/);
      expect(existsSync(output)).toBe(false);
    });
  });

  it('fails with one line naming the output when it cannot be opened, before reading the input', async () => {
    // An input that would fail once read: the error shown must be the output's.
    const input = join(tiny.dir, 'no-text-column.csv');
    const output = join(tiny.dir, 'no', 'such', 'dir', 'out.jsonl');
    await writeFile(input, 'a,b\n1,2\n');
    const e = await run(process.execPath, [BIN, '--model', tiny.dir, '--input', input, '--output', output]).catch((err: { code: number; stderr: string }) => err);
    expect((e as { code?: number }).code).toBe(1);
    const stderr = (e as { stderr: string }).stderr;
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^classifier-predict: .*ENOENT/)]);
    expect(stderr).toContain(output);
  });

  it.runIf(existsSync('/dev/full'))('fails with one line, not a stack trace or a hang, when writing the output fails mid-run (ENOSPC)', async () => {
    const input = join(tiny.dir, 'bad-lines.jsonl');
    await writeFile(input, 'not json\n'.repeat(20_000)); // error records only: enough output to wait for 'drain'
    const e = await run(process.execPath, [BIN, '--model', tiny.dir, '--input', input, '--output', '/dev/full'], { timeout: 30_000 }).catch(
      (err: { code: number; stderr: string }) => err,
    );
    expect((e as { code?: number }).code).toBe(1);
    expect((e as { stderr: string }).stderr.trim().split('\n')).toEqual([expect.stringMatching(/^classifier-predict: .*ENOSPC/)]);
  });

  it('prints usage and exits 64 without required flags', async () => {
    const e = await run(process.execPath, [BIN]).catch((err: { code: number; stderr: string }) => err);
    expect((e as { code: number }).code).toBe(64);
    expect((e as { stderr: string }).stderr).toMatch(/usage: classifier-predict/);
  });
});
