import { App } from 'cdktf';
import { ClassifierStack } from './ClassifierStack.js';
import { STAGES, type StageConfig } from './config.js';
import { resolveInputs, type StackInputs } from './inputs.js';

export interface BuildAppOptions {
  /** Synth output directory. @default "cdktf.out" (cdktf.json `output`; the CLI passes it as CDKTF_OUTDIR) */
  outdir?: string;
  stages?: readonly StageConfig[];
  /** Synth inputs; by default read from CLASSIFIER_MODEL_DIR / CLASSIFIER_LAMBDA_ZIP or their defaults. */
  inputs?: StackInputs;
  env?: NodeJS.ProcessEnv;
}

/** Builds the app with one stack per stage (`classifier-test`, `classifier-prod`). */
export async function buildApp(options: BuildAppOptions = {}): Promise<App> {
  const env = options.env ?? process.env;
  const stages = options.stages ?? Object.values(STAGES);
  const needsZip = stages.some((s) => s.function.packageType === 'zip');
  const inputs = options.inputs ?? (await resolveInputs(env, { needsZip }));
  const app = new App({ outdir: options.outdir ?? env.CDKTF_OUTDIR ?? 'cdktf.out' });
  for (const config of stages) new ClassifierStack(app, { config, inputs });
  return app;
}
