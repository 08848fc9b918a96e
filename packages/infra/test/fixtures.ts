import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Manifest, sha256Hex, versionFromDigest } from '@org/classifier-artifact';
import { Testing } from 'cdktf';
import { ClassifierStack } from '../src/ClassifierStack.js';
import type { StageConfig } from '../src/config.js';
import { loadLambdaZip, loadModelInput, type StackInputs } from '../src/inputs.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A real one-file zip archive (stored, no compression), deterministic: fixed DOS time and date. */
export function makeZip(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const fileName = Buffer.from(name);
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(0, 6);
  local.writeUInt16LE(0, 8);
  local.writeUInt16LE(0, 10);
  local.writeUInt16LE(0x21, 12); // 1980-01-01
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(fileName.length, 26);
  local.writeUInt16LE(0, 28);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(0, 8);
  central.writeUInt16LE(0, 10);
  central.writeUInt16LE(0, 12);
  central.writeUInt16LE(0x21, 14);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE(0, 42); // local header offset
  const centralStart = local.length + fileName.length + data.length;
  const centralSize = central.length + fileName.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(centralStart, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

export interface Fixture {
  root: string;
  modelDir: string;
  zipPath: string;
  cleanup(): void;
}

/** Fake but schema-valid model bytes and manifest; `seed` changes the model (and so its version). */
export function writeArtifact(dir: string, seed = 'model-a'): Manifest {
  const model = Buffer.from(`not really onnx: ${seed}`);
  const sha256 = sha256Hex(model);
  const manifest: Manifest = {
    schemaVersion: 1,
    name: 'newsgroups-tfidf-logreg',
    version: versionFromDigest(sha256),
    sha256,
    createdAt: '2026-01-01T00:00:00.000Z',
    producer: { name: '@org/classifier-trainer', version: '0.1.0' },
    labels: ['alt.atheism', 'comp.graphics', 'sci.space'],
    io: { input: 'text', label: 'label', probabilities: 'probabilities' },
  };
  writeFileSync(join(dir, 'model.onnx'), model);
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function makeFixture(opts: { seed?: string; code?: string } = {}): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'classifier-infra-'));
  writeArtifact(root, opts.seed);
  const zipPath = join(root, 'lambda.zip');
  writeFileSync(zipPath, makeZip('index.mjs', opts.code ?? 'export const handler = async () => ({ statusCode: 200 });\n'));
  return { root, modelDir: root, zipPath, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export async function loadInputs(f: Fixture): Promise<StackInputs> {
  return { model: await loadModelInput(f.modelDir), lambdaZip: loadLambdaZip(f.zipPath) };
}

/** A parsed synthesized stack (Terraform JSON). */
export interface TfJson {
  resource: Record<string, Record<string, Record<string, any>>>;
  output: Record<string, { value: string; sensitive?: boolean; description?: string }>;
  variable: Record<string, { type: string; default: string }>;
  terraform: Record<string, any>;
  provider: Record<string, any>;
}

export interface Synthesized {
  stack: ClassifierStack;
  json: string;
  tf: TfJson;
}

export function synthStage(config: StageConfig, inputs: StackInputs): Synthesized {
  const app = Testing.app();
  const stack = new ClassifierStack(app, { config, inputs });
  const json = Testing.synth(stack);
  return { stack, json, tf: JSON.parse(json) as TfJson };
}

/** The resources of one type, by logical id. */
export function resources(tf: TfJson, type: string): Record<string, Record<string, any>> {
  return tf.resource[type] ?? {};
}

/** The one resource of a type (fails if there are zero or several). */
export function only(tf: TfJson, type: string): [string, Record<string, any>] {
  const entries = Object.entries(resources(tf, type));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return entries[0] as [string, Record<string, any>];
}

/** Asserts with cdktf's boolean matcher, printing the expected subset on failure. */
export function hasResource(json: string, type: { tfResourceType: string }, props: Record<string, unknown> = {}): boolean {
  return Testing.toHaveResourceWithProperties(json, type.tfResourceType, props);
}
