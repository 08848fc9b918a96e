import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sha256Hex, versionFromDigest } from '@org/classifier-artifact';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelLoadError } from '../src/errors.js';
import { loadModel } from '../src/model/loadModel.js';
import { parseArtifactUri, siblingManifest } from '../src/model/uri.js';
import { tempDir, tinyArtifact } from './helpers/artifacts.js';

describe('Function: parseArtifactUri', () => {
  it('parses plain paths, file:// URLs and S3 URIs with a version', () => {
    expect(parseArtifactUri('/a/model.onnx')).toEqual({ kind: 'file', path: '/a/model.onnx' });
    expect(parseArtifactUri('file:///a/b%20c/model.onnx')).toEqual({ kind: 'file', path: '/a/b c/model.onnx' });
    expect(parseArtifactUri('s3://bucket/models/v1/model.onnx?versionId=abc')).toEqual({
      kind: 's3', bucket: 'bucket', key: 'models/v1/model.onnx', versionId: 'abc',
    });
  });

  it('derives the sibling manifest, dropping an S3 versionId that belongs to the model object', () => {
    expect(siblingManifest(parseArtifactUri('s3://b/m/model.onnx?versionId=1'))).toEqual({ kind: 's3', bucket: 'b', key: 'm/manifest.json' });
    expect(siblingManifest(parseArtifactUri('/x/model.onnx'))).toEqual({ kind: 'file', path: '/x/manifest.json' });
  });

  it('throws on unsupported schemes and bucket-only S3 URIs', () => {
    expect(() => parseArtifactUri('https://example.com/model.onnx')).toThrow(/unsupported artifact URI scheme/);
    expect(() => parseArtifactUri('s3://bucket')).toThrow(/expected s3:\/\/bucket\/key/);
    expect(() => parseArtifactUri('')).toThrow(ModelLoadError);
  });
});

describe('Function: loadModel (files)', () => {
  let tiny: Awaited<ReturnType<typeof tinyArtifact>>;
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    tiny = await tinyArtifact('explain');
    scratch = await tempDir();
  });
  afterAll(async () => {
    await tiny.remove();
    await scratch.remove();
  });

  it('loads a plain path and a file:// URI, and reports timings', async () => {
    const a = await loadModel({ modelUri: tiny.modelPath });
    expect(a.manifest.version).toBe(tiny.manifest.version);
    expect(a.timings.sessionMs).toBeGreaterThan(0);
    const b = await loadModel({ modelUri: pathToFileURL(tiny.modelPath).href });
    expect(b.source.manifest).toBe(tiny.manifestPath);
    await Promise.all([a.release(), b.release()]);
  });

  it('throws a clear error when the model file is missing', async () => {
    await expect(loadModel({ modelUri: join(scratch.path, 'nope', 'model.onnx'), manifestUri: tiny.manifestPath })).rejects.toThrow(
      /cannot read .*nope\/model\.onnx: no such file/,
    );
  });

  it('throws when the manifest is missing or invalid', async () => {
    const dir = join(scratch.path, 'bad-manifest');
    await writeFile(join(scratch.path, 'bad-manifest.json'), '{"schemaVersion": 1, "name": ""}');
    await expect(loadModel({ modelUri: tiny.modelPath, manifestUri: join(dir, 'manifest.json') })).rejects.toThrow(/cannot read/);
    await expect(loadModel({ modelUri: tiny.modelPath, manifestUri: join(scratch.path, 'bad-manifest.json') })).rejects.toThrow(
      /not a valid manifest: name/,
    );
  });

  it('refuses a model whose sha256 differs from the manifest', async () => {
    const other = join(scratch.path, 'sha-mismatch.onnx');
    await writeFile(other, Buffer.concat([Buffer.from(tiny.model), Buffer.from([0])]));
    const error = await loadModel({ modelUri: other, manifestUri: tiny.manifestPath }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect((error as Error).message).toMatch(/does not match its manifest: sha256/);
  });

  it('refuses a corrupt ONNX file even when the manifest matches its bytes', async () => {
    const bytes = Buffer.from('this is not an onnx protobuf at all');
    const digest = sha256Hex(bytes);
    const modelPath = join(scratch.path, 'corrupt', 'model.onnx');
    await tempWrite(modelPath, bytes);
    await tempWrite(join(scratch.path, 'corrupt', 'manifest.json'), JSON.stringify({ ...tiny.manifest, sha256: digest, version: versionFromDigest(digest) }));
    await expect(loadModel({ modelUri: modelPath })).rejects.toThrow(/is not a loadable ONNX model/);
  });

  it('refuses a graph that lacks an output the manifest names', async () => {
    const modelPath = join(scratch.path, 'wrong-io', 'model.onnx');
    await tempWrite(modelPath, tiny.model);
    await tempWrite(join(scratch.path, 'wrong-io', 'manifest.json'), JSON.stringify({ ...tiny.manifest, io: { ...tiny.manifest.io, label: 'predicted' } }));
    await expect(loadModel({ modelUri: modelPath })).rejects.toThrow(/lacks output\(s\) named in the manifest: predicted/);
  });

  it('refuses a model whose class count disagrees with the manifest labels', async () => {
    const modelPath = join(scratch.path, 'labels', 'model.onnx');
    await tempWrite(modelPath, tiny.model);
    await tempWrite(join(scratch.path, 'labels', 'manifest.json'), JSON.stringify({ ...tiny.manifest, labels: ['a', 'b', 'c', 'd'] }));
    await expect(loadModel({ modelUri: modelPath })).rejects.toThrow(/expected \[N, 4\]/);
  });
});

async function tempWrite(path: string, data: string | Uint8Array): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}
