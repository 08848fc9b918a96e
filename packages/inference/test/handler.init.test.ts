import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { tempDir, tinyArtifact } from './helpers/artifacts.js';
import { captureStdout } from './helpers/capture.js';
import { fakeContext } from './helpers/context.js';
import { loadEvent } from './helpers/events.js';

/** Imports src/handler.ts afresh, as a new execution environment's init does. */
async function coldImport() {
  vi.resetModules();
  return import('../src/handler.js');
}

describe('Module: handler (init at module scope)', () => {
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  let out: ReturnType<typeof captureStdout>;
  beforeAll(async () => {
    tiny = await tinyArtifact('explain');
    scratch = await tempDir();
  });
  afterAll(async () => {
    await tiny.remove();
    await scratch.remove();
  });
  beforeEach(() => {
    out = captureStdout();
    vi.stubEnv('POWERTOOLS_SERVICE_NAME', 'classifier-init-test');
  });
  afterEach(() => {
    out.restore();
    vi.unstubAllEnvs();
  });

  it('loads the model at init, logs it, then serves with cold start true once', async () => {
    vi.stubEnv('MODEL_URI', tiny.modelPath);
    const { handler } = await coldImport();
    const loaded = out.lines().find((l) => l.message === 'model loaded');
    expect(loaded).toMatchObject({ service: 'classifier-init-test', model: { version: tiny.manifest.version }, explain: true, termCountPath: false, postSums: false });
    // Loading the code (onnxruntime's native library included) and waiting for the bytes, apart.
    expect(loaded?.timings).toMatchObject({ codeLoadMs: expect.any(Number), readMs: expect.any(Number), sessionMs: expect.any(Number) });
    const first = await handler(loadEvent('predict-article', { body: '["nasa"]' }), fakeContext());
    const second = await handler(loadEvent('predict-article', { body: '["oven"]' }), fakeContext());
    expect(JSON.parse(first.body)).toEqual(['space']);
    expect(JSON.parse(second.body)).toEqual(['cooking']);
    const requests = out.lines().filter((l) => l.message === 'request');
    expect(requests.map((l) => l.coldStart)).toEqual([true, false]);
  });

  it('fails init when MODEL_URI is not set', async () => {
    vi.stubEnv('MODEL_URI', '');
    await expect(coldImport()).rejects.toThrow(/MODEL_URI is not set/);
    expect(out.lines().some((l) => l.message === 'init failed: this environment cannot serve')).toBe(true);
  });

  it('fails init on a missing model, naming the path', async () => {
    vi.stubEnv('MODEL_URI', join(scratch.path, 'missing', 'model.onnx'));
    vi.stubEnv('MANIFEST_URI', tiny.manifestPath);
    await expect(coldImport()).rejects.toThrow(/cannot read .*missing\/model\.onnx: no such file/);
    // The read starts before init and fails first: init still reports it, in its one log line.
    const failed = out.lines().find((l) => l.message === 'init failed: this environment cannot serve');
    expect(JSON.stringify(failed)).toMatch(/no such file/);
  });

  it('fails init on a sha mismatch', async () => {
    const other = join(scratch.path, 'other.onnx');
    await writeFile(other, Buffer.concat([Buffer.from(tiny.model), Buffer.from('x')]));
    vi.stubEnv('MODEL_URI', other);
    vi.stubEnv('MANIFEST_URI', tiny.manifestPath);
    await expect(coldImport()).rejects.toThrow(/does not match its manifest/);
  });

  it('fails init on an invalid limit rather than serving unbounded', async () => {
    vi.stubEnv('MODEL_URI', tiny.modelPath);
    vi.stubEnv('MAX_TEXTS', 'lots');
    await expect(coldImport()).rejects.toThrow(/MAX_TEXTS must be a positive integer/);
  });
});
