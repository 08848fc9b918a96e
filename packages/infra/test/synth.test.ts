import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountStackName } from '../src/AccountStack.js';
import { buildApp } from '../src/app.js';
import { testStage } from '../src/config.js';
import { ConfigError } from '../src/errors.js';
import { type Fixture, loadInputs, makeFixture, only, resources, type TfJson } from './fixtures.js';

const run = promisify(execFile);
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const TSX = join(PACKAGE_DIR, '../../node_modules/.bin/tsx');
/** A child tsx process takes 0.5-3.5 s here; other packages' tests share the two cores. */
const SUBPROCESS_TIMEOUT_MS = 30_000;

let fixture: Fixture;
let outdir: string;
beforeAll(async () => {
  fixture = makeFixture();
  outdir = mkdtempSync(join(tmpdir(), 'classifier-synth-'));
  const app = await buildApp({ outdir, inputs: await loadInputs(fixture) });
  app.synth();
});
afterAll(() => {
  fixture.cleanup();
  rmSync(outdir, { recursive: true, force: true });
});

describe('Synth output (what the local stage and Terraform read)', () => {
  it.each(['classifier-test', 'classifier-prod'])('writes %s to stacks/<name>/cdk.tf.json', (stack) => {
    expect(existsSync(join(outdir, 'stacks', stack, 'cdk.tf.json'))).toBe(true);
  });

  it('copies every uploaded file beside the stack, its source path relative to the stack directory', () => {
    const stackDir = join(outdir, 'stacks', 'classifier-test');
    const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TfJson;
    const objects = Object.values(resources(tf, 'aws_s3_object'));
    expect(objects.map((o) => o.key).sort()).toEqual([expect.stringMatching(/^lambda\/[0-9a-f]{64}\.zip$/), 'model/manifest.json', 'model/model.onnx']);
    const originals: Record<string, string> = {
      'model/model.onnx': join(fixture.modelDir, 'model.onnx'),
      'model/manifest.json': join(fixture.modelDir, 'manifest.json'),
    };
    for (const o of objects) {
      expect(o.source).not.toMatch(/^\//);
      const copy = resolve(stackDir, o.source);
      expect(existsSync(copy)).toBe(true);
      const original = originals[o.key] ?? fixture.zipPath;
      expect(readFileSync(copy).equals(readFileSync(original))).toBe(true);
    }
  });

  it('writes the account stack with the regional API Gateway logging role, and makes both stages depend on it', () => {
    const account = accountStackName(testStage.region);
    const tf = JSON.parse(readFileSync(join(outdir, 'stacks', account, 'cdk.tf.json'), 'utf8')) as TfJson;
    const [, setting] = only(tf, 'aws_api_gateway_account');
    const [roleId, role] = only(tf, 'aws_iam_role');
    expect(setting.cloudwatch_role_arn).toBe(`\${aws_iam_role.${roleId}.arn}`);
    expect(role.name).toBe(`classifier-apigw-logs-${testStage.region}`);
    expect(tf.terraform.backend.local.path).toBe(`../../../terraform.${account}.tfstate`);
    // cdktf refuses to deploy a stage without its dependencies (or to destroy them alone while selected).
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
    expect(manifest.stacks['classifier-test']?.dependencies).toEqual([account]);
    expect(manifest.stacks['classifier-prod']?.dependencies).toEqual([account]);
    expect(manifest.stacks[account]?.dependencies).toEqual([]);
  });

  it('writes no account stack and no dependency when the account role is managed elsewhere', async () => {
    const out = mkdtempSync(join(tmpdir(), 'classifier-external-'));
    try {
      const app = await buildApp({ outdir: out, inputs: await loadInputs(fixture), env: { CLASSIFIER_APIGW_ACCOUNT: 'external' } });
      app.synth();
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { stacks: Record<string, { dependencies: string[] }> };
      expect(Object.keys(manifest.stacks).sort()).toEqual(['classifier-prod', 'classifier-test']);
      expect(manifest.stacks['classifier-test']?.dependencies).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    await expect(buildApp({ outdir: out, inputs: await loadInputs(fixture), env: { CLASSIFIER_APIGW_ACCOUNT: 'yes' } })).rejects.toThrow(ConfigError);
  });

  it('keeps cdktf.json right for `cdktf deploy`: the app runs src/main.ts, output cdktf.out, prebuilt provider only', () => {
    const cdktf = JSON.parse(readFileSync(join(PACKAGE_DIR, 'cdktf.json'), 'utf8')) as Record<string, unknown>;
    expect(cdktf).toMatchObject({ language: 'typescript', output: 'cdktf.out', terraformProviders: [] });
    expect(cdktf.app).toMatch(/tsx src\/main\.ts$/);
  });
});

describe('Synth entry (src/main.ts)', () => {
  const env = (over: Record<string, string>) => ({ ...process.env, CHECKPOINT_DISABLE: '1', ...over });

  it('synthesizes both stacks from the environment variables', async () => {
    const out = mkdtempSync(join(tmpdir(), 'classifier-main-'));
    try {
      await run(TSX, ['src/main.ts'], {
        cwd: PACKAGE_DIR,
        env: env({ CLASSIFIER_MODEL_DIR: fixture.modelDir, CLASSIFIER_LAMBDA_ZIP: fixture.zipPath, CDKTF_OUTDIR: out }),
      });
      const tf = JSON.parse(readFileSync(join(out, 'stacks', 'classifier-test', 'cdk.tf.json'), 'utf8')) as TfJson;
      expect(tf.output.model_version?.value).toBe(JSON.parse(readFileSync(join(fixture.modelDir, 'manifest.json'), 'utf8')).version);
      expect(existsSync(join(out, 'stacks', 'classifier-prod', 'cdk.tf.json'))).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, SUBPROCESS_TIMEOUT_MS);

  it('fails with one line naming the missing path and the command that makes it', async () => {
    const missing = join(fixture.root, 'nothing-here');
    const error = (await run(TSX, ['src/main.ts'], {
      cwd: PACKAGE_DIR,
      env: env({ CLASSIFIER_MODEL_DIR: missing, CDKTF_OUTDIR: join(fixture.root, 'out') }),
    }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(1);
    expect(error.stderr.trim()).toBe(
      `classifier-infra: model artifact not found at ${join(missing, 'manifest.json')}: run \`npm run train\` first (or set CLASSIFIER_MODEL_DIR)`,
    );
  }, SUBPROCESS_TIMEOUT_MS);
});

describe('classifier-cost bin', () => {
  it('runs from its launcher', async () => {
    const { stdout } = await run(process.execPath, [join(PACKAGE_DIR, 'bin/classifier-cost.js'), '--requests', '1000000', '--duration-ms', '200'], {
      cwd: dirname(PACKAGE_DIR),
    });
    expect(stdout).toMatch(/Total\s+\$4\.53/);
  }, SUBPROCESS_TIMEOUT_MS);
});
