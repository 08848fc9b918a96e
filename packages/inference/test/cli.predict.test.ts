import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsv } from '../src/cli/readRecords.js';
import { tinyArtifact } from './helpers/artifacts.js';

const run = promisify(execFile);
const BIN = fileURLToPath(new URL('../bin/classifier-predict.js', import.meta.url));

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

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

  it('prints usage and exits 64 without required flags', async () => {
    const e = await run(process.execPath, [BIN]).catch((err: { code: number; stderr: string }) => err);
    expect((e as { code: number }).code).toBe(64);
    expect((e as { stderr: string }).stderr).toMatch(/usage: classifier-predict/);
  });
});
