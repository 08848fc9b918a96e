/**
 * The CDKTF app entry (cdktf.json `app`): `cdktf synth` / `cdktf deploy` run it, and so does `npm run synth`.
 * Synth inputs: CLASSIFIER_MODEL_DIR (model.onnx + manifest.json) and CLASSIFIER_LAMBDA_ZIP.
 */
import { buildApp } from './app.js';
import { InfraError } from './errors.js';

try {
  const app = await buildApp();
  app.synth();
} catch (error) {
  if (error instanceof InfraError) {
    // One clear line naming the path and the command that makes it; no stack trace for a missing input.
    console.error(`classifier-infra: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
