import { createServer } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { ServerError, ClassifierClient } from '@org/classifier-client';
import { sha256Hex, versionFromDigest } from '@org/classifier-artifact';
import { ARTICLE } from '../constants.js';
import { RawHttp } from '../rawHttp.js';
import { startStage } from '../stage/localStage.js';
import { synthDir } from '../stage/synthDir.js';
import { StackCopy } from './stackCopy.js';
import { Checks, type FaultResult } from './types.js';

const GATEWAY_502 = { message: 'Internal server error' };

/**
 * Starts a stage from a tampered copy of the stack and checks it never predicts: every call is API
 * Gateway's 502 (each cold start fails init, so no environment ever serves), the client gives up with
 * ServerError after its retries, and the function's log says why.
 */
async function neverPredicts(name: string, copy: StackCopy, expectedInitError: RegExp): Promise<FaultResult> {
  const stage = await startStage({ synthDir: copy.synthDir, usagePlan: 'unlimited' });
  const checks = new Checks();
  try {
    const raw = new RawHttp(stage.url, stage.apiKey);
    const answers = [
      await raw.post('/predict', [ARTICLE.text]),
      await raw.post('/predict', { text: ARTICLE.text, topK: 3 }),
      await raw.post('/predict/', [ARTICLE.text]),
      await raw.get('/model'),
    ];
    for (const [i, a] of answers.entries()) {
      checks.that(a.status === 502, `call ${i} answered ${a.status} ${a.text.slice(0, 80)}, not 502`);
      checks.that(JSON.stringify(a.json) === JSON.stringify(GATEWAY_502), `call ${i} body ${a.text.slice(0, 80)} is not API Gateway's 502 body`);
    }
    const client = new ClassifierClient({ baseUrl: stage.url, apiKey: stage.apiKey, maxRetries: 1, retryBaseDelayMs: 50 });
    const err = await client.classify(ARTICLE.text).catch((e: unknown) => e);
    checks.that(err instanceof ServerError && err.status === 502, `the client did not throw ServerError 502: ${String(err)}`);
    const initErrors = stage.log.matching(/Init Error/);
    checks.that(initErrors.length >= answers.length, `${initErrors.length} Init Error log lines for ${answers.length} calls (each call cold-starts and fails)`);
    checks.that(initErrors.every((l) => expectedInitError.test(l)), `an init error does not say ${expectedInitError}: ${initErrors[0]?.slice(0, 300)}`);
    const initReport = stage.log.matching(/^REPORT .*Init Duration/)[0];
    return {
      name,
      passed: checks.problems.length === 0,
      problems: checks.problems,
      figures: {
        statuses: answers.map((a) => a.status),
        initErrorLines: initErrors.length,
        initError: initErrors[0]?.split('\t').slice(2).join(' ').slice(0, 400),
        report: initReport?.replace(/RequestId: \S+/, 'RequestId: ...'),
      },
    };
  } finally {
    await stage.close();
  }
}

/** One byte of the model changed: its sha256 no longer matches the manifest. */
export async function shaMismatch(): Promise<FaultResult> {
  const copy = new StackCopy(synthDir());
  try {
    const model = copy.assetPath('model.onnx');
    const bytes = readFileSync(model);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = (bytes[mid] as number) ^ 0xff;
    writeFileSync(model, bytes);
    return await neverPredicts('start with a sha-mismatched model', copy, /does not match its manifest/);
  } finally {
    copy.remove();
  }
}

/**
 * A truncated model with a manifest that agrees with it (sha256 and version recomputed): the digest
 * check passes, so this proves the loader also refuses bytes onnxruntime cannot load.
 */
export async function corruptModel(): Promise<FaultResult> {
  const copy = new StackCopy(synthDir());
  try {
    const model = copy.assetPath('model.onnx');
    const truncated = readFileSync(model).subarray(0, 4096);
    writeFileSync(model, truncated);
    const manifestPath = copy.assetPath('manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { sha256: string; version: string };
    manifest.sha256 = sha256Hex(truncated);
    manifest.version = versionFromDigest(manifest.sha256);
    writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    return await neverPredicts('start with a corrupt (truncated) model whose manifest matches it', copy, /not a loadable ONNX model/);
  } finally {
    copy.remove();
  }
}

/** A TCP port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The model in S3, S3 unreachable at cold start: MODEL_URI/MANIFEST_URI are s3:// URIs and
 * AWS_ENDPOINT_URL_S3 is a closed loopback port. The loader retries with backoff, then init fails
 * naming the object and the attempts. The credentials are dummies so the SDK gets as far as connecting
 * (without any it would fail earlier, on credentials, and never test the network path).
 */
export async function s3Unreachable(): Promise<FaultResult> {
  const copy = new StackCopy(synthDir());
  try {
    const port = await closedPort();
    copy.setFunctionEnv({
      MODEL_URI: 's3://e2e-fault-bucket/model/model.onnx',
      MANIFEST_URI: 's3://e2e-fault-bucket/model/manifest.json',
      AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`,
      MODEL_S3_FORCE_PATH_STYLE: 'true',
      MODEL_S3_MAX_ATTEMPTS: '3',
      AWS_ACCESS_KEY_ID: 'E2EFAULTDUMMYKEYID00',
      AWS_SECRET_ACCESS_KEY: 'e2e-fault-dummy-secret-not-a-credential',
    });
    const result = await neverPredicts('S3 unreachable at cold start', copy, /S3 read failed after \d+ attempt/);
    return { ...result, figures: { ...result.figures, endpoint: `http://127.0.0.1:${port} (closed)` } };
  } finally {
    copy.remove();
  }
}
