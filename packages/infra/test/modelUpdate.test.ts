import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_VERSION_VAR, MODEL_VERSION_VAR, NULL_VERSION_ID } from '../src/ClassifierStack.js';
import { testStage } from '../src/config.js';
import { type Fixture, loadInputs, makeFixture, only, resources, type Synthesized, synthStage, type TfJson } from './fixtures.js';

/** Resource blocks that differ between two synthesized stacks, as `type.id`. */
function changedResources(a: TfJson, b: TfJson): string[] {
  const changed: string[] = [];
  for (const type of new Set([...Object.keys(a.resource), ...Object.keys(b.resource)])) {
    for (const id of new Set([...Object.keys(a.resource[type] ?? {}), ...Object.keys(b.resource[type] ?? {})])) {
      if (JSON.stringify(a.resource[type]?.[id]) !== JSON.stringify(b.resource[type]?.[id])) changed.push(`${type}.${id}`);
    }
  }
  return changed.sort();
}
const objectId = (tf: TfJson, key: string): string =>
  Object.entries(resources(tf, 'aws_s3_object')).find(([, o]) => o.key === key || String(o.key).startsWith(key))![0];

/**
 * Terraform's urlencode: Go's url.QueryEscape (space to `+`, everything but `A-Za-z0-9-_.~` percent-encoded),
 * which differs from encodeURIComponent only in `!'()*` and the space, all of which URLSearchParams decodes.
 */
function goQueryEscape(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

const fixtures: Fixture[] = [];
let base: Synthesized;
let newModel: Synthesized;
let newCode: Synthesized;

beforeAll(async () => {
  const a = makeFixture({ seed: 'model-a' });
  const b = makeFixture({ seed: 'model-b' });
  const c = makeFixture({ seed: 'model-a', code: 'export const handler = async () => ({ statusCode: 204 });\n' });
  fixtures.push(a, b, c);
  base = synthStage(testStage, await loadInputs(a));
  // A retrained model with the very same bundle: what `npm run train && cdktf deploy` produces.
  newModel = synthStage(testStage, { ...(await loadInputs(b)), lambdaZip: (await loadInputs(a)).lambdaZip! });
  newCode = synthStage(testStage, await loadInputs(c));
});
afterAll(() => {
  for (const f of fixtures) f.cleanup();
});

describe('Model update', () => {
  it('changes only the model and manifest objects: new content digests, so new S3 object versions', () => {
    const model = objectId(base.tf, 'model/model.onnx');
    const manifest = objectId(base.tf, 'model/manifest.json');
    expect(changedResources(base.tf, newModel.tf)).toEqual([`aws_s3_object.${manifest}`, `aws_s3_object.${model}`].sort());
    for (const id of [model, manifest]) {
      const before = resources(base.tf, 'aws_s3_object')[id]!;
      const after = resources(newModel.tf, 'aws_s3_object')[id]!;
      expect(after.key).toBe(before.key);
      expect(after.source_hash).not.toBe(before.source_hash);
      expect(after.source).not.toBe(before.source);
    }
    expect(newModel.tf.output.model_version?.value).not.toBe(base.tf.output.model_version?.value);
  });

  it('keeps the code package: same source_code_hash and s3_key, while the environment follows the object versions', () => {
    const [, before] = only(base.tf, 'aws_lambda_function');
    const [, after] = only(newModel.tf, 'aws_lambda_function');
    expect(after.source_code_hash).toBe(before.source_code_hash);
    expect(after.s3_key).toBe(before.s3_key);
    // The URIs reference the objects' version_id, which Terraform learns when it uploads the new bytes:
    // the function's configuration changes at apply time, publishing a new version behind `live`.
    const model = objectId(base.tf, 'model/model.onnx');
    expect(after.environment.variables.MODEL_URI).toContain(`aws_s3_object.${model}.version_id`);
    expect(after.publish).toBe(true);
  });

  it('a new bundle changes the code object and the function, not the model objects', () => {
    const changed = changedResources(base.tf, newCode.tf);
    expect(changed.some((c) => c.startsWith('aws_lambda_function.'))).toBe(true);
    expect(changed).not.toContain(`aws_s3_object.${objectId(base.tf, 'model/model.onnx')}`);
    const [, before] = only(base.tf, 'aws_lambda_function');
    const [, after] = only(newCode.tf, 'aws_lambda_function');
    expect(after.source_code_hash).not.toBe(before.source_code_hash);
  });
});

describe('Model rollback (pin)', () => {
  it('declares both pin variables, empty by default (serve the latest upload)', () => {
    expect(base.tf.variable[MODEL_VERSION_VAR]).toMatchObject({ type: 'string', default: '' });
    expect(base.tf.variable[MANIFEST_VERSION_VAR]).toMatchObject({ type: 'string', default: '' });
  });

  it('serves the pinned version ids when set: coalesce(pin, uploaded version, "null")', () => {
    const [, fn] = only(base.tf, 'aws_lambda_function');
    const vars = fn.environment.variables as Record<string, string>;
    expect(vars.MODEL_URI).toMatch(/\?versionId=\$\{urlencode\(coalesce\(var\.model_version_id, aws_s3_object\.[^.]+\.version_id, "null"\)\)\}$/);
    expect(vars.MANIFEST_URI).toMatch(/\?versionId=\$\{urlencode\(coalesce\(var\.manifest_version_id, aws_s3_object\.[^.]+\.version_id, "null"\)\)\}$/);
  });

  it('falls back to S3\'s "null" version id when a first upload lands before versioning takes effect', () => {
    // Enabling versioning takes effect eventually; an upload in that window has no version_id, and
    // coalesce() with no non-empty argument would fail the whole first deploy.
    const [, fn] = only(base.tf, 'aws_lambda_function');
    for (const uri of [fn.environment.variables.MODEL_URI, fn.environment.variables.MANIFEST_URI] as string[]) {
      expect(uri).toMatch(new RegExp(`coalesce\\([^()]*\\.version_id, "${NULL_VERSION_ID}"\\)`));
    }
    expect(NULL_VERSION_ID).toBe('null');
  });

  it('URL-encodes the version id in MODEL_URI and MANIFEST_URI, so the handler reads it back exactly', () => {
    const [, fn] = only(base.tf, 'aws_lambda_function');
    for (const uri of [fn.environment.variables.MODEL_URI, fn.environment.variables.MANIFEST_URI] as string[]) {
      expect(uri).toMatch(/\?versionId=\$\{urlencode\(.*\)\}$/);
    }
    // S3 version ids are opaque base64-like strings. The handler reads them with URLSearchParams, which
    // decodes a bare `+` to a space: unencoded, this id would come back wrong.
    const id = 'Ab+c/D=e+F/g==';
    const read = (encoded: string) => new URL(`s3://b/model/model.onnx?versionId=${encoded}`).searchParams.get('versionId');
    expect(read(id)).not.toBe(id);
    expect(read(encodeURIComponent(id))).toBe(id);
    expect(read(goQueryEscape(id))).toBe(id);
    expect(read(goQueryEscape(`${id} !'()*~`))).toBe(`${id} !'()*~`);
  });

  it('refuses a half pin at plan time', () => {
    const [, fn] = only(base.tf, 'aws_lambda_function');
    expect(fn.lifecycle.precondition).toEqual([
      {
        condition: '${(var.model_version_id == "") == (var.manifest_version_id == "")}',
        error_message: 'Set both model_version_id and manifest_version_id, or neither.',
      },
    ]);
  });

  it('is the command the README documents, with variables the stack declares', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`TF_VAR_${MODEL_VERSION_VAR}=`);
    expect(readme).toContain(`TF_VAR_${MANIFEST_VERSION_VAR}=`);
    expect(readme).toContain('terraform output -raw model_object_version_id');
    expect(base.tf.output).toHaveProperty('model_object_version_id');
    expect(base.tf.output).toHaveProperty('manifest_object_version_id');
  });
});
