import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ArtifactError,
  DEFAULT_ARTIFACT_DIR,
  MANIFEST_FILE,
  MODEL_FILE,
  type Manifest,
  readArtifact,
} from '@org/classifier-artifact';
import { InfraError, MissingInputError } from './errors.js';

/** Where `npm run bundle -w @org/classifier-inference` writes the Lambda zip (docs/contracts.md section 2). */
export const DEFAULT_LAMBDA_ZIP = fileURLToPath(new URL('../../inference/dist/lambda.zip', import.meta.url));

export const MODEL_DIR_ENV = 'CLASSIFIER_MODEL_DIR';
export const LAMBDA_ZIP_ENV = 'CLASSIFIER_LAMBDA_ZIP';

export const TRAIN_COMMAND = 'npm run train';
export const BUNDLE_COMMAND = 'npm run bundle -w @org/classifier-inference';

/** A verified model artifact directory. */
export interface ModelInput {
  modelPath: string;
  manifestPath: string;
  manifest: Manifest;
}

/** The inference bundle and its digests (hex for the S3 key, base64 as Lambda reports `CodeSha256`). */
export interface LambdaZipInput {
  path: string;
  sha256Hex: string;
  sha256Base64: string;
  /**
   * The Linux architectures whose onnxruntime-node binaries the zip holds (`bin/napi-v6/linux/<arch>/`, as
   * the inference bundle writes them); empty for a zip without them.
   */
  onnxruntimeArchitectures: ('x64' | 'arm64')[];
}

/** What a stage stack is built from besides its config. The zip is absent in image mode. */
export interface StackInputs {
  model: ModelInput;
  lambdaZip?: LambdaZipInput;
}

/** Reads and verifies `model.onnx` + `manifest.json` (the manifest's sha256 must match the model bytes). */
export async function loadModelInput(dir: string): Promise<ModelInput> {
  const abs = resolve(dir);
  const manifestPath = join(abs, MANIFEST_FILE);
  const modelPath = join(abs, MODEL_FILE);
  for (const path of [manifestPath, modelPath]) {
    if (!existsSync(path)) throw new MissingInputError('model artifact', path, TRAIN_COMMAND, MODEL_DIR_ENV);
  }
  try {
    const { manifest } = await readArtifact(abs);
    return { modelPath, manifestPath, manifest };
  } catch (cause) {
    if (cause instanceof ArtifactError) {
      throw new InfraError(`model artifact in ${abs} is invalid: ${cause.message}; rerun \`${TRAIN_COMMAND}\``, { cause });
    }
    throw cause;
  }
}

/** Reads the Lambda zip and computes its digests; refuses a file that is not a zip archive. */
export function loadLambdaZip(path: string): LambdaZipInput {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new MissingInputError('Lambda bundle', abs, BUNDLE_COMMAND, LAMBDA_ZIP_ENV);
  const bytes = readFileSync(abs);
  // Every zip starts with a local file header "PK\x03\x04" (PKWARE APPNOTE 4.3.7); Lambda rejects anything else.
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) {
    throw new InfraError(`Lambda bundle ${abs} is not a zip archive; rerun \`${BUNDLE_COMMAND}\``);
  }
  const digest = createHash('sha256').update(bytes).digest();
  // Entry names are stored uncompressed in the zip's headers, so a byte search finds the binaries' folder.
  const onnxruntimeArchitectures = (['x64', 'arm64'] as const).filter((arch) => bytes.includes(`bin/napi-v6/linux/${arch}/`));
  return { path: abs, sha256Hex: digest.toString('hex'), sha256Base64: digest.toString('base64'), onnxruntimeArchitectures };
}

/**
 * Resolves the synth inputs from the environment: `CLASSIFIER_MODEL_DIR` (default: the trainer's artifact
 * directory) and `CLASSIFIER_LAMBDA_ZIP` (default: the inference bundle), the latter only in zip mode.
 */
export async function resolveInputs(
  env: NodeJS.ProcessEnv = process.env,
  options: { needsZip: boolean } = { needsZip: true },
): Promise<StackInputs> {
  const model = await loadModelInput(env[MODEL_DIR_ENV] || DEFAULT_ARTIFACT_DIR);
  if (!options.needsZip) return { model };
  return { model, lambdaZip: loadLambdaZip(env[LAMBDA_ZIP_ENV] || DEFAULT_LAMBDA_ZIP) };
}
