import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STACK } from '../constants.js';
import { E2eError } from '../errors.js';
import { requireSynthesizedStack, stackDir } from '../stage/synthDir.js';

type Resources = Record<string, Record<string, Record<string, unknown>>>;

/**
 * A private copy of the synthesized stack (cdk.tf.json and its assets) that a fault scenario may
 * tamper with; the original under packages/infra/cdktf.out is never touched.
 */
export class StackCopy {
  readonly synthDir: string;
  readonly dir: string;
  private readonly json: { resource: Resources };

  constructor(fromSynthDir: string, readonly stack: string = STACK) {
    requireSynthesizedStack(fromSynthDir, stack);
    this.synthDir = mkdtempSync(join(tmpdir(), 'e2e-fault-stack-'));
    this.dir = stackDir(this.synthDir, stack);
    cpSync(stackDir(fromSynthDir, stack), this.dir, { recursive: true });
    this.json = JSON.parse(readFileSync(join(this.dir, 'cdk.tf.json'), 'utf8')) as { resource: Resources };
  }

  /** Absolute path of the asset uploaded under an S3 key ending in `keySuffix` (e.g. `model.onnx`). */
  assetPath(keySuffix: string): string {
    for (const obj of Object.values(this.json.resource.aws_s3_object ?? {})) {
      if (typeof obj.key === 'string' && obj.key.endsWith(keySuffix) && typeof obj.source === 'string') return join(this.dir, obj.source);
    }
    throw new E2eError(`the synthesized stack has no aws_s3_object with a key ending in ${keySuffix}`);
  }

  /** Replaces environment variables of every function (the local stage has no override hook, so the copy's stack is edited). */
  setFunctionEnv(vars: Readonly<Record<string, string>>): void {
    const fns = Object.values(this.json.resource.aws_lambda_function ?? {});
    if (fns.length === 0) throw new E2eError('the synthesized stack has no aws_lambda_function');
    for (const fn of fns) {
      const env = (fn.environment ??= { variables: {} }) as { variables: Record<string, string> };
      env.variables = { ...env.variables, ...vars };
    }
    writeFileSync(join(this.dir, 'cdk.tf.json'), JSON.stringify(this.json, null, 2));
  }

  remove(): void {
    rmSync(this.synthDir, { recursive: true, force: true });
  }
}
