import type { UsagePlanOption } from '@org/classifier-local-stage';
import { E2eError } from '../errors.js';
import { type StartedStage, startStage } from '../stage/localStage.js';
import { describeTarget, isLoopback, resolveTarget } from '../target.js';

export interface ScriptTarget {
  readonly kind: 'local' | 'deployed';
  readonly url: string;
  readonly apiKey: string;
  /** The local stage this run started (its log, to read REPORT lines), when it started one. */
  readonly stage?: StartedStage;
  close(): Promise<void>;
}

export interface ScriptTargetOptions {
  /** The script's name, for messages. */
  readonly script: string;
  /** Usage plan of the local stage this run starts (load runs lift the plan: they measure the stage). */
  readonly usagePlan: UsagePlanOption;
  /** Execution environments of the local stage (bounded: 2 shared cores). */
  readonly environments?: number;
}

/**
 * The target of a load, soak or fuzz run: the same selection as the suite (`STAGE_URL` + `API_KEY`,
 * `--outputs FILE` / `E2E_OUTPUTS`, else a local stage). These runs send thousands of requests, so a
 * non-loopback target also needs `--deployed` on the command line: a STAGE_URL left in a shell must not
 * turn into traffic (and cost) on AWS.
 */
export async function openScriptTarget(options: ScriptTargetOptions): Promise<ScriptTarget> {
  const argv = process.argv.slice(2);
  const spec = resolveTarget(process.env, argv);
  if (spec.kind === 'deployed') {
    if (!isLoopback(spec.url) && !argv.includes('--deployed')) {
      throw new E2eError(
        `${options.script} sends sustained traffic; it targets ${spec.url} only with --deployed ` +
          `(npm run ${options.script} -w @org/classifier-e2e -- --deployed). Unset STAGE_URL/E2E_OUTPUTS to run on a local stage.`,
      );
    }
    console.error(`${options.script}: target ${describeTarget('deployed', spec.url)}`);
    return { kind: 'deployed', url: spec.url, apiKey: spec.apiKey, close: async () => undefined };
  }
  const stage = await startStage({
    usagePlan: options.usagePlan,
    ...(options.environments === undefined ? {} : { environments: options.environments }),
  });
  console.error(`${options.script}: target ${describeTarget('local', stage.url)}`);
  return { kind: 'local', url: stage.url, apiKey: stage.apiKey, stage, close: () => stage.close() };
}

/** A positive number from the environment, or the default; anything else stops the run with a message. */
export function numberFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new E2eError(`${name} must be a positive number, got ${JSON.stringify(raw)}`);
  return n;
}
