import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ARTIFACT_DIR } from '@org/classifier-artifact';
import { afterEach, describe, expect, it } from 'vitest';
import { testStage } from '../src/config.js';
import { ConfigError, InfraError, MissingInputError } from '../src/errors.js';
import { DEFAULT_LAMBDA_ZIP, loadLambdaZip, loadModelInput, resolveInputs } from '../src/inputs.js';
import { type Fixture, loadInputs, makeFixture, makeZip, synthStage } from './fixtures.js';

const fixtures: Fixture[] = [];
const fresh = (): Fixture => {
  const f = makeFixture();
  fixtures.push(f);
  return f;
};
afterEach(() => {
  for (const f of fixtures.splice(0)) f.cleanup();
});

describe('Synth inputs', () => {
  it('defaults to the trainer artifact directory and the inference bundle', () => {
    expect(DEFAULT_LAMBDA_ZIP).toMatch(/packages\/inference\/dist\/lambda\.zip$/);
    expect(DEFAULT_ARTIFACT_DIR).toMatch(/packages\/trainer\/artifacts\/?$/);
  });

  it('reads both from CLASSIFIER_MODEL_DIR and CLASSIFIER_LAMBDA_ZIP', async () => {
    const f = fresh();
    const inputs = await resolveInputs({ CLASSIFIER_MODEL_DIR: f.modelDir, CLASSIFIER_LAMBDA_ZIP: f.zipPath });
    expect(inputs.model.manifest.labels).toContain('alt.atheism');
    expect(inputs.model.modelPath).toBe(join(f.modelDir, 'model.onnx'));
    expect(inputs.lambdaZip?.path).toBe(f.zipPath);
    expect(Buffer.from(inputs.lambdaZip!.sha256Base64, 'base64').toString('hex')).toBe(inputs.lambdaZip!.sha256Hex);
  });

  it('needs no zip in image mode', async () => {
    const f = fresh();
    const inputs = await resolveInputs({ CLASSIFIER_MODEL_DIR: f.modelDir, CLASSIFIER_LAMBDA_ZIP: '/nonexistent.zip' }, { needsZip: false });
    expect(inputs.lambdaZip).toBeUndefined();
  });

  it('names the missing artifact path and `npm run train`', async () => {
    const missing = join(fresh().root, 'no-such-dir');
    const error = await loadModelInput(missing).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingInputError);
    expect((error as Error).message).toBe(
      `model artifact not found at ${join(missing, 'manifest.json')}: run \`npm run train\` first (or set CLASSIFIER_MODEL_DIR)`,
    );
  });

  it('names the missing zip path and the bundle command', () => {
    const missing = join(fresh().root, 'lambda-missing.zip');
    expect(() => loadLambdaZip(missing)).toThrow(
      `Lambda bundle not found at ${missing}: run \`npm run bundle -w @org/classifier-inference\` first (or set CLASSIFIER_LAMBDA_ZIP)`,
    );
  });

  it('refuses a bundle that is not a zip archive', () => {
    const f = fresh();
    writeFileSync(f.zipPath, 'export const handler = 1;');
    expect(() => loadLambdaZip(f.zipPath)).toThrow(/is not a zip archive/);
  });

  it('finds which Linux architecture the bundled onnxruntime binaries are for', () => {
    const f = fresh();
    expect(loadLambdaZip(f.zipPath).onnxruntimeArchitectures).toEqual([]);
    writeFileSync(f.zipPath, makeZip('node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node', 'elf'));
    expect(loadLambdaZip(f.zipPath).onnxruntimeArchitectures).toEqual(['arm64']);
  });

  it('refuses a stage whose function architecture the bundled onnxruntime binaries do not run on', async () => {
    const f = fresh();
    writeFileSync(f.zipPath, makeZip('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', 'elf'));
    const inputs = await loadInputs(f);
    const arm = { ...testStage, function: { ...testStage.function, architecture: 'arm64' as const } };
    expect(() => synthStage(arm, inputs)).toThrow(ConfigError);
    expect(() => synthStage(arm, inputs)).toThrow(/holds onnxruntime for linux-x64 only; rebuild it with `npm run bundle -w @org\/classifier-inference -- --arch arm64`/);
    expect(() => synthStage(testStage, inputs)).not.toThrow();
  });

  it('refuses a model whose bytes do not match the manifest digest', async () => {
    const f = fresh();
    writeFileSync(join(f.modelDir, 'model.onnx'), 'tampered');
    const error = await loadModelInput(f.modelDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as Error).message).toMatch(/is invalid: .*does not match its manifest.*npm run train/);
  });

  it('refuses a manifest that fails the schema, naming the field', async () => {
    const f = fresh();
    writeFileSync(join(f.modelDir, 'manifest.json'), JSON.stringify({ schemaVersion: 1, name: 'x' }));
    await expect(loadModelInput(f.modelDir)).rejects.toThrow(/not a valid manifest: version/);
  });
});
