import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_SYNTH_DIR } from '@org/classifier-local-stage';
import { STACK } from '../constants.js';
import { E2eError } from '../errors.js';

/** The cdktf output directory the local stages read: `E2E_SYNTH_DIR`, else packages/infra/cdktf.out. */
export function synthDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env.E2E_SYNTH_DIR ? resolve(env.E2E_SYNTH_DIR) : DEFAULT_SYNTH_DIR;
}

export function stackDir(dir = synthDir(), stack: string = STACK): string {
  return join(dir, 'stacks', stack);
}

/** Fails with the commands that make the synthesized stack when it is missing. */
export function requireSynthesizedStack(dir = synthDir(), stack: string = STACK): string {
  const file = join(stackDir(dir, stack), 'cdk.tf.json');
  if (!existsSync(file)) {
    throw new E2eError(
      `no synthesized stack at ${file}. Make it with: npm run train -w @org/classifier-trainer && ` +
        'npm run bundle -w @org/classifier-inference && npm run synth -w @org/classifier-infra ' +
        '(or point STAGE_URL + API_KEY, or --outputs, at a deployed stage)',
    );
  }
  return file;
}
