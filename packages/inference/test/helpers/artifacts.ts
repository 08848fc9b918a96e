import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ARTIFACT_DIR } from '@org/classifier-artifact';
import { type TinyFlavour, writeTinyArtifact } from '../fixtures/tinyModel.js';

export async function tempDir(prefix = 'inference-test-'): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes the tiny real ONNX model (see fixtures/tinyModel.ts) into a fresh temp dir. */
export async function tinyArtifact(flavour: TinyFlavour) {
  const dir = await tempDir(`tiny-${flavour}-`);
  const written = await writeTinyArtifact(dir.path, flavour);
  return { ...written, remove: dir.remove };
}

/**
 * The trained artifact (packages/trainer/artifacts). Tests that need it fail loudly when it is
 * missing, never skip: turbo runs training before these tests.
 */
export function trainedArtifactDir(): string {
  const dir = process.env.CLASSIFIER_ARTIFACT_DIR ?? DEFAULT_ARTIFACT_DIR;
  if (!existsSync(join(dir, 'model.onnx')) || !existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`the trained artifact is missing at ${dir}: run \`npm run train\` first (turbo runs it before these tests)`);
  }
  return dir;
}

/** The reference article's example post (its expected label is alt.atheism). */
export const ARTICLE_EXAMPLE =
  'Did that FAQ ever got modified to re-define strong atheists as not those who assert the nonexistence of God, but as those who assert that they BELIEVE in the nonexistence of God?';
