import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from './digest.js';
import { ArtifactError } from './errors.js';
import { type Manifest, manifestSchema } from './manifestSchema.js';
import englishMessages from 'zod/v4/locales/en.js';

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';

/** Where the trainer writes by default and where the rest of the workspace looks. */
export const DEFAULT_ARTIFACT_DIR = fileURLToPath(new URL('../../trainer/artifacts/', import.meta.url));

/** Parses and validates manifest JSON text; the message names the first invalid field. */
export function parseManifest(text: string, source = MANIFEST_FILE): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new ArtifactError(`${source} is not valid JSON`, { cause });
  }
  // jitless: a manifest is parsed once per process, so compiling zod's fast path never pays back
  // (measured: 10 ms cold with it, 5 ms without; the parse is part of every Lambda cold start).
  const parsed = manifestSchema.safeParse(raw, { jitless: true });
  if (!parsed.success) {
    // zod/mini carries no messages ("Invalid input" for every check): the English ones, for the
    // error only, so a valid manifest's cold start does not build them.
    const explained = manifestSchema.safeParse(raw, { jitless: true, error: englishMessages().localeError });
    const issue = (explained.error ?? parsed.error).issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new ArtifactError(`${source} is not a valid manifest: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Throws unless the model bytes are exactly the ones the manifest describes. */
export function verifyModelBytes(manifest: Manifest, bytes: Uint8Array, source = MODEL_FILE): void {
  const actual = sha256Hex(bytes);
  if (actual !== manifest.sha256) {
    throw new ArtifactError(
      `${source} does not match its manifest: sha256 ${actual.slice(0, 12)}... != ${manifest.sha256.slice(0, 12)}...`,
    );
  }
}

export interface Artifact {
  manifest: Manifest;
  model: Uint8Array;
}

/** Reads and verifies an artifact directory (model.onnx + manifest.json). */
export async function readArtifact(dir: string): Promise<Artifact> {
  const manifestPath = join(dir, MANIFEST_FILE);
  const modelPath = join(dir, MODEL_FILE);
  const text = await readFile(manifestPath, 'utf8').catch((cause: unknown) => {
    throw new ArtifactError(`cannot read ${manifestPath}: ${(cause as Error).message}`, { cause });
  });
  const manifest = parseManifest(text, manifestPath);
  const model = await readFile(modelPath).catch((cause: unknown) => {
    throw new ArtifactError(`cannot read ${modelPath}: ${(cause as Error).message}`, { cause });
  });
  verifyModelBytes(manifest, model, modelPath);
  return { manifest, model };
}
