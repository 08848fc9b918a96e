import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { bundle, MAX_ZIP_BYTES } from '../scripts/bundle.js';
import { ARTICLE_EXAMPLE, tempDir, tinyArtifact, trainedArtifactDir } from './helpers/artifacts.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);

async function zipEntries(path: string): Promise<{ name: string; mode: number; date: Date }[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, { lazyEntries: true });
  return new Promise((resolve, reject) => {
    const out: { name: string; mode: number; date: Date }[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      out.push({ name: e.fileName, mode: (e.externalFileAttributes >>> 16) & 0o777, date: e.getLastModDate() });
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Extracts every entry (no `unzip` binary needed on the machine). */
async function extract(zipPath: string, dest: string): Promise<void> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(zipPath, { lazyEntries: true });
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => {
      zip.openReadStream(e, (err, stream) => {
        if (err || !stream) return reject(err);
        const target = join(dest, e.fileName);
        mkdir(dirname(target), { recursive: true })
          .then(() => pipeline(stream, createWriteStream(target, { mode: (e.externalFileAttributes >>> 16) & 0o777 })))
          .then(() => zip.readEntry(), reject);
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Unzips into a temp dir (outside the workspace, so no parent node_modules can help) and invokes. */
async function invokeBundle(
  zipPath: string,
  env: Record<string, string>,
  event: object,
  prepare?: (dir: string) => Promise<void>,
): Promise<{ result: any; stdout: string }> {
  const dir = await tempDir('lambda-unzipped-');
  try {
    await extract(zipPath, dir.path);
    await prepare?.(dir.path);
    const script = `const { handler } = await import('./index.mjs');
      const result = await handler(${JSON.stringify(event)}, { awsRequestId: 'bundle-test' });
      process.stderr.write('RESULT ' + JSON.stringify(result) + '\\n');`;
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: dir.path,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    const line = stderr.split('\n').find((l) => l.startsWith('RESULT '));
    if (!line) throw new Error(`no result; stderr: ${stderr}`);
    return { result: JSON.parse(line.slice(7)), stdout };
  } finally {
    await dir.remove();
  }
}

describe('Script: bundle', () => {
  let out: Awaited<ReturnType<typeof tempDir>>;
  let first: Awaited<ReturnType<typeof bundle>>;
  beforeAll(async () => {
    out = await tempDir('bundle-');
    first = await bundle({ outDir: out.path });
  }, 120_000);
  afterAll(() => out.remove());

  it('zips index.mjs (onnxruntime\'s JavaScript inside) and only the linux-x64 binaries of onnxruntime-node, under 50 MB', async () => {
    const entries = await zipEntries(first.zipPath);
    const names = entries.map((e) => e.name);
    expect(names).toContain('index.mjs');
    expect(names).toContain('node_modules/onnxruntime-node/package.json');
    expect(names).toContain('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node');
    // Bundled into index.mjs: no module files of onnxruntime to resolve at a cold start.
    expect(names.filter((n) => n.startsWith('node_modules/') && /\.(c|m)?js$/.test(n))).toEqual([]);
    expect(names.some((n) => n.startsWith('node_modules/onnxruntime-common/'))).toBe(false);
    const binaries = names.filter((n) => n.includes('/bin/'));
    expect(binaries.every((n) => n.includes('/bin/napi-v6/linux/x64/'))).toBe(true);
    expect(names.some((n) => n.endsWith('.map') || n.endsWith('.d.ts') || n.endsWith('.ts') && !n.endsWith('.d.ts'))).toBe(false);
    expect(names).toEqual([...names].sort());
    expect(first.zipBytes).toBeLessThan(MAX_ZIP_BYTES);
    expect(entries.every((e) => e.date.getFullYear() === 1980)).toBe(true);
  });

  it('is deterministic: the same inputs give the same zip bytes', async () => {
    const again = await tempDir('bundle-again-');
    try {
      const second = await bundle({ outDir: again.path });
      expect(Buffer.compare(await readFile(first.zipPath), await readFile(second.zipPath))).toBe(0);
    } finally {
      await again.remove();
    }
  }, 120_000);

  it('packages arm64 binaries only with --arch arm64', async () => {
    const arm = await tempDir('bundle-arm-');
    try {
      const r = await bundle({ outDir: arm.path, arch: 'arm64' });
      const bins = r.files.filter((f) => f.includes('/bin/'));
      expect(bins.length).toBeGreaterThan(0);
      expect(bins.every((f) => f.includes('/linux/arm64/'))).toBe(true);
    } finally {
      await arm.remove();
    }
  }, 120_000);

  it('the unzipped bundle serves the tiny model, and fails init clearly without MODEL_URI or with a missing model', async () => {
    const tiny = await tinyArtifact('explain');
    try {
      const { result, stdout } = await invokeBundle(first.zipPath, { MODEL_URI: tiny.modelPath }, { httpMethod: 'POST', resource: '/predict', body: '["nasa rocket"]', requestContext: { requestId: 'r-1' } });
      expect(result.statusCode).toBe(200);
      expect(JSON.parse(result.body)).toEqual(['space']);
      expect(stdout).toMatch(/"message":"model loaded"/);
      await expect(invokeBundle(first.zipPath, {}, { body: '[]' })).rejects.toThrow(/MODEL_URI is not set/);
      // The entry starts reading before it loads the rest: a read that fails that early is still
      // init's failure, logged as its one structured line (not an unhandled rejection).
      const missing: { stdout?: string; stderr?: string } = await invokeBundle(first.zipPath, { MODEL_URI: join(dirname(tiny.modelPath), 'nope', 'model.onnx') }, { body: '[]' }).then(
        () => ({}),
        (e: { stdout?: string; stderr?: string }) => e,
      );
      expect(`${missing.stdout}${missing.stderr}`).toMatch(/"message":"init failed: this environment cannot serve".*no such file/);
    } finally {
      await tiny.remove();
    }
  });

  it('loads the addon from its own node_modules only: without it, init fails with its one log line, whatever NODE_PATH offers', async () => {
    const tiny = await tinyArtifact('explain');
    try {
      // The workspace's own onnxruntime-node (linux-x64 included) is on NODE_PATH: a search that left
      // the bundle, as a bare package path would on Lambda (layers are on NODE_PATH), would find it.
      const workspaceModules = join(dirname(require.resolve('onnxruntime-node')), '..', '..');
      const failed: { stdout?: string; stderr?: string } = await invokeBundle(
        first.zipPath,
        { MODEL_URI: tiny.modelPath, NODE_PATH: workspaceModules },
        { body: '["nasa"]' },
        (dir) => rm(join(dir, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node')),
      ).then(
        () => ({}),
        (e: { stdout?: string; stderr?: string }) => e,
      );
      expect(`${failed.stdout}${failed.stderr}`).toMatch(/"message":"init failed: this environment cannot serve".*Cannot find module '\.\/bin\/napi-v6\/linux\/x64\/onnxruntime_binding\.node'/);
    } finally {
      await tiny.remove();
    }
  });

  it("the unzipped bundle answers the article's example with the trained model (alt.atheism)", async () => {
    const dir = trainedArtifactDir();
    const { result } = await invokeBundle(first.zipPath, { MODEL_URI: join(dir, 'model.onnx') }, { body: JSON.stringify([ARTICLE_EXAMPLE]) });
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual(['alt.atheism']);
  });
});
