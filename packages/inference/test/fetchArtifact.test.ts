import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { fetchArtifact } from '../src/model/fetchArtifact.js';
import { loadModel } from '../src/model/loadModel.js';
import { readFileSource } from '../src/model/sources/fileSource.js';
import { tempDir, tinyArtifact } from './helpers/artifacts.js';

describe('Function: readFileSource', () => {
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    scratch = await tempDir();
  });
  afterAll(() => scratch.remove());

  it('reads a file of several megabytes whole and exactly, and an empty file as no bytes', async () => {
    // Larger than readFile's 512 KB steps and not a multiple of them.
    const big = randomBytes(3 * 1024 * 1024 + 12_345);
    await writeFile(join(scratch.path, 'big.bin'), big);
    await writeFile(join(scratch.path, 'empty.bin'), '');
    expect(Buffer.compare(Buffer.from(await readFileSource(join(scratch.path, 'big.bin'))), big)).toBe(0);
    expect((await readFileSource(join(scratch.path, 'empty.bin'))).length).toBe(0);
  });

  it('reads to the end of a file that reports no size, as readFile does', async () => {
    // /proc files report size 0: reading only the reported size would give no bytes at all.
    const bytes = await readFileSource('/proc/self/status');
    expect(bytes.length).toBeGreaterThan(100);
    expect(Buffer.from(bytes).toString('utf8')).toMatch(/^Name:/);
    expect(Buffer.from(await readFileSource('/proc/version')).toString('utf8')).toBe(readFileSync('/proc/version', 'utf8'));
  });

  it('names the path and the reason when it cannot read', async () => {
    await expect(readFileSource(join(scratch.path, 'nope.bin'))).rejects.toThrow(/cannot read .*nope\.bin: no such file/);
    await expect(readFileSource(scratch.path)).rejects.toThrow(/not a regular file/);
  });

  it('refuses a FIFO at once instead of waiting for a writer (past Lambda\'s init timeout)', async () => {
    const fifo = join(scratch.path, 'model.fifo');
    execFileSync('mkfifo', [fifo]);
    const started = performance.now();
    await expect(readFileSource(fifo)).rejects.toThrow(/cannot read .*model\.fifo: not a regular file/);
    expect(performance.now() - started).toBeLessThan(2000);
  }, 10_000);
});

describe('Function: fetchArtifact', () => {
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;
  beforeAll(async () => {
    tiny = await tinyArtifact('explain');
  });
  afterAll(() => tiny.remove());

  it('reads the model and its sibling manifest, and loadModel takes the bytes already being read', async () => {
    const fetched = fetchArtifact({ modelUri: tiny.modelPath });
    const bytes = await fetched;
    expect(Buffer.compare(Buffer.from(bytes.modelBytes), await readFile(tiny.modelPath))).toBe(0);
    expect(Buffer.compare(Buffer.from(bytes.manifestBytes), await readFile(tiny.manifestPath))).toBe(0);
    expect(bytes.source).toEqual({ model: tiny.modelPath, manifest: tiny.manifestPath });
    // The URI given beside `fetched` names a file that does not exist: loadModel must not read again.
    const model = await loadModel({ modelUri: join(tiny.modelPath, 'not-read'), fetched });
    try {
      expect(model.manifest.version).toBe(tiny.manifest.version);
      expect(model.source.model).toBe(tiny.modelPath);
    } finally {
      await model.release();
    }
  });

  it('rejects (never throws synchronously) on a bad URI, so a caller can start it before anything else', async () => {
    const fetched = fetchArtifact({ modelUri: 'https://example.com/model.onnx' });
    await expect(fetched).rejects.toThrow(/unsupported artifact URI scheme/);
  });
});
