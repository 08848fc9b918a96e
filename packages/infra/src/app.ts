import { App } from 'cdktf';
import { AccountStack } from './AccountStack.js';
import { ClassifierStack } from './ClassifierStack.js';
import { STAGES, type StageConfig } from './config.js';
import { ConfigError } from './errors.js';
import { resolveInputs, type StackInputs } from './inputs.js';

export interface BuildAppOptions {
  /** Synth output directory. @default "cdktf.out" (cdktf.json `output`; the CLI passes it as CDKTF_OUTDIR) */
  outdir?: string;
  stages?: readonly StageConfig[];
  /** Synth inputs; by default read from CLASSIFIER_MODEL_DIR / CLASSIFIER_LAMBDA_ZIP or their defaults. */
  inputs?: StackInputs;
  env?: NodeJS.ProcessEnv;
  /**
   * `managed`: one AccountStack per region the stages use, which the stages depend on. `external`: the
   * account's owners already set API Gateway's CloudWatch Logs role there, so no stack touches it.
   * @default CLASSIFIER_APIGW_ACCOUNT, else `managed`
   */
  apiGatewayAccount?: 'managed' | 'external';
}

/**
 * Builds the app: one stack per stage (`classifier-test`, `classifier-prod`) and, unless the account's
 * API Gateway logging role is managed elsewhere, one `classifier-account-<region>` they depend on.
 */
export async function buildApp(options: BuildAppOptions = {}): Promise<App> {
  const env = options.env ?? process.env;
  const stages = options.stages ?? Object.values(STAGES);
  const needsZip = stages.some((s) => s.function.packageType === 'zip');
  const inputs = options.inputs ?? (await resolveInputs(env, { needsZip }));
  const app = new App({ outdir: options.outdir ?? env.CDKTF_OUTDIR ?? 'cdktf.out' });
  const accountMode = options.apiGatewayAccount ?? apiGatewayAccountFromEnv(env);
  const accounts = new Map<string, AccountStack>();
  for (const config of stages) {
    let account = accounts.get(config.region);
    if (!account && accountMode === 'managed') {
      account = new AccountStack(app, { region: config.region, tags: { project: 'classifier', 'managed-by': 'cdktf' } });
      accounts.set(config.region, account);
    }
    new ClassifierStack(app, { config, inputs, ...(account ? { account } : {}) });
  }
  return app;
}

function apiGatewayAccountFromEnv(env: NodeJS.ProcessEnv): 'managed' | 'external' {
  const value = env.CLASSIFIER_APIGW_ACCOUNT ?? 'managed';
  if (value !== 'managed' && value !== 'external') {
    throw new ConfigError(`CLASSIFIER_APIGW_ACCOUNT must be "managed" or "external", not ${JSON.stringify(value)}`);
  }
  return value;
}
