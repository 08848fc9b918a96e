import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REAL = {
  synthDir: fileURLToPath(new URL('../../../infra/cdktf.out', import.meta.url)),
  stack: 'classifier-test',
  stackFile: fileURLToPath(new URL('../../../infra/cdktf.out/stacks/classifier-test/cdk.tf.json', import.meta.url)),
  bundle: fileURLToPath(new URL('../../../inference/dist/lambda.zip', import.meta.url)),
  model: fileURLToPath(new URL('../../../trainer/artifacts/model.onnx', import.meta.url)),
};

/** The article's example post; its label is alt.atheism. */
export const ARTICLE_EXAMPLE =
  'Did that FAQ ever got modified to re-define strong atheists as not those who assert the nonexistence of God, but as those who assert that they BELIEVE in the nonexistence of God?';

/** Names what is missing and the command that makes it. */
export function missingRealInputs(): string[] {
  const missing: string[] = [];
  if (!existsSync(REAL.model)) missing.push(`${REAL.model} (npm run train)`);
  if (!existsSync(REAL.bundle)) missing.push(`${REAL.bundle} (npm run bundle -w @org/classifier-inference)`);
  if (!existsSync(REAL.stackFile)) missing.push(`${REAL.stackFile} (npm run synth)`);
  return missing;
}
