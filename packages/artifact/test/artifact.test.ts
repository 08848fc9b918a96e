import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ArtifactError,
  type Manifest,
  parseManifest,
  publicManifest,
  readArtifact,
  sha256Hex,
  versionFromDigest,
} from '../src/index.js';

const modelBytes = new TextEncoder().encode('not really onnx, but bytes with a digest');

function manifestFor(bytes: Uint8Array): Manifest {
  const sha256 = sha256Hex(bytes);
  return {
    schemaVersion: 1,
    name: 'toy',
    version: versionFromDigest(sha256),
    sha256,
    createdAt: '2026-11-28T00:00:00.000Z',
    producer: { name: 'test', version: '0' },
    labels: ['a', 'b'],
    io: { input: 'text', label: 'label', probabilities: 'probabilities' },
  };
}

async function writeArtifact(manifest: unknown, bytes: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'artifact-'));
  await writeFile(join(dir, 'manifest.json'), JSON.stringify(manifest));
  await writeFile(join(dir, 'model.onnx'), bytes);
  return dir;
}

describe('readArtifact', () => {
  it('reads a model whose digest matches its manifest', async () => {
    const dir = await writeArtifact(manifestFor(modelBytes), modelBytes);
    const { manifest, model } = await readArtifact(dir);
    expect(manifest.version).toBe(sha256Hex(modelBytes).slice(0, 12));
    expect(Buffer.from(model).equals(Buffer.from(modelBytes))).toBe(true);
  });

  it('refuses a model file that differs from the manifest by one byte', async () => {
    const tampered = Uint8Array.from(modelBytes);
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    const dir = await writeArtifact(manifestFor(modelBytes), tampered);
    await expect(readArtifact(dir)).rejects.toThrow(/does not match its manifest/);
  });

  it('names the missing file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'artifact-'));
    await expect(readArtifact(dir)).rejects.toThrow(/cannot read .*manifest\.json/);
  });
});

describe('parseManifest', () => {
  it('names the first invalid field and says, in English, what is wrong with it', () => {
    const good = manifestFor(modelBytes);
    const message = (bad: object) => {
      try {
        parseManifest(JSON.stringify(bad));
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(message({ ...good, labels: ['only-one'] })).toBe('manifest.json is not a valid manifest: labels: Too small: expected array to have >=2 items');
    expect(message({ ...good, createdAt: 'yesterday' })).toBe('manifest.json is not a valid manifest: createdAt: Invalid ISO datetime');
    expect(message({ ...good, name: '' })).toBe('manifest.json is not a valid manifest: name: Too small: expected string to have >=1 characters');
  });

  it('rejects text that is not JSON with an ArtifactError', () => {
    expect(() => parseManifest('{')).toThrow(ArtifactError);
  });
});

describe('publicManifest', () => {
  it('exposes version and labels but not training details', () => {
    const m = { ...manifestFor(modelBytes), data: { name: 'x', sha256: 'a'.repeat(64), trainPosts: 1, testPosts: 1 } };
    const pub = publicManifest(m);
    expect(pub).toMatchObject({ name: 'toy', version: m.version, labels: ['a', 'b'], explain: false });
    expect(pub).not.toHaveProperty('data');
  });
});
