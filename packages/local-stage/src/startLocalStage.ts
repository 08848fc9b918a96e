import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type UsagePlanOption, buildKeyStore } from './apigateway/apiKeys.js';
import { createGateway } from './apigateway/server.js';
import { LOCAL } from './constants.js';
import { functionCodeDir } from './lambda/functionCode.js';
import { hostNodeWarning } from './lambda/hostNode.js';
import { FunctionPool } from './lambda/pool.js';
import type { StageModel } from './stack/model.js';
import { loadStage } from './stack/resolveStack.js';

/** Where packages/infra writes `cdktf synth` output. */
export const DEFAULT_SYNTH_DIR = fileURLToPath(new URL('../../infra/cdktf.out', import.meta.url));

export interface LocalStageOptions {
  /** Stack name, e.g. `classifier-test`: reads `<synthDir>/stacks/<stack>/cdk.tf.json`. */
  readonly stack: string;
  /** @default packages/infra/cdktf.out */
  readonly synthDir?: string;
  /** @default 0 (an ephemeral port) */
  readonly port?: number;
  /** @default '127.0.0.1' (loopback only) */
  readonly host?: '127.0.0.1';
  /** The value of the stack's first API key; generated (40 alphanumerics) when absent. */
  readonly apiKey?: string;
  /**
   * `from-stack` (default): the stack's usage plan throttle/quota and stage throttling;
   * `unlimited`: both lifted (benchmarks); an object: replaces the usage plan's numbers.
   */
  readonly usagePlan?: UsagePlanOption;
  /** Environments at most for functions without reserved concurrency (requests queue beyond). @default 4 */
  readonly maxUnreservedEnvironments?: number;
  /**
   * Environments per function at most on this machine, even under a larger reserved concurrency:
   * requests past it wait, and Lambda's throttling still starts at the reservation. @default 8
   */
  readonly maxEnvironments?: number;
  /**
   * Environments per function, replacing the stack's concurrency; requests beyond queue instead of
   * being throttled. For load runs on a small machine (not AWS behaviour). @default from the stack
   */
  readonly environments?: number;
  /** Receives function output and START/END/REPORT lines; nothing is logged without it. */
  readonly log?: (line: string) => void;
}

export interface LocalStage {
  /** `http://127.0.0.1:PORT/<stage>` */
  readonly url: string;
  readonly apiKey: string;
  /** Human-readable startup summary (routes, functions, limits, then `warnings`); never contains key values. */
  readonly summary: string;
  /** Where this stage will not behave as AWS would and the user should know before trusting it, one line each. */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

function describe(
  model: StageModel,
  url: string,
  pools: Map<string, FunctionPool>,
  usagePlan: UsagePlanOption,
  warnings: readonly string[],
): string {
  const lines = [`local stage for stack ${model.stackName} (API ${model.apiName}, region ${model.region})`, `  ${url}`];
  for (const r of model.routes) {
    lines.push(`  ${r.httpMethod.padEnd(6)} ${r.resourcePath}${r.apiKeyRequired ? '  (x-api-key)' : ''} -> ${pools.get(r.functionKey)?.fn.functionName ?? r.functionKey}`);
  }
  const seen = new Set<string>();
  for (const pool of pools.values()) {
    const f = pool.fn;
    if (seen.has(f.functionName)) continue;
    seen.add(f.functionName);
    lines.push(
      `  function ${f.functionName}: ${f.runtime} (local node ${process.version}), ${f.memoryMb} MB, timeout ${f.timeoutS} s, ` +
        `concurrency ${f.reservedConcurrency === undefined ? `unreserved (local limit ${pool.limit})` : `reserved ${f.reservedConcurrency}`}, code ${f.code.path}`,
    );
    for (const [k, v] of Object.entries(f.environment)) lines.push(`    ${k}=${v}`);
  }
  for (const p of model.usagePlans) {
    const limits = usagePlan === 'unlimited'
      ? 'limits lifted'
      : typeof usagePlan === 'object'
        ? `overridden: ${JSON.stringify(usagePlan)}`
        : `throttle ${p.throttle ? `${p.throttle.rateLimit}/s burst ${p.throttle.burstLimit}` : 'none'}, quota ${p.quota ? `${p.quota.limit}/${p.quota.period}` : 'none'}`;
    lines.push(`  usage plan ${p.name}: ${limits}`);
  }
  for (const [stage, t] of model.stageThrottle) {
    lines.push(`  stage ${stage} throttling: ${usagePlan === 'unlimited' ? 'lifted' : `${t.rateLimit}/s burst ${t.burstLimit}`}`);
  }
  if (model.ignored.length > 0) lines.push(`  not emulated (no local effect): ${model.ignored.join(', ')}`);
  lines.push(...warnings);
  return lines.join('\n');
}

/** Serves a synthesized stack on loopback with API Gateway REST + Lambda semantics. */
export async function startLocalStage(options: LocalStageOptions): Promise<LocalStage> {
  const usagePlan = options.usagePlan ?? 'from-stack';
  const model = await loadStage(options.synthDir ?? DEFAULT_SYNTH_DIR, options.stack);

  // One pool per function the API invokes (normally through the `live` alias, whose ARN the context
  // reports); functions no route reaches are not started.
  const pools = new Map<string, FunctionPool>();
  for (const key of new Set(model.routes.map((r) => r.functionKey))) {
    const fn = model.functions.get(key);
    if (!fn) continue;
    pools.set(
      key,
      new FunctionPool({
        fn,
        codeDir: await functionCodeDir(fn.code),
        region: model.region,
        unreservedLimit: options.maxUnreservedEnvironments ?? LOCAL.unreservedConcurrency,
        maxEnvironments: options.maxEnvironments ?? LOCAL.maxEnvironments,
        environments: options.environments,
        log: options.log,
      }),
    );
  }

  const keys = buildKeyStore(model, usagePlan, options.apiKey);
  const firstKey = [...keys.values()][0];
  const server = createGateway({ model, pools, keys, stageThrottle: usagePlan !== 'unlimited', log: options.log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/${model.stages[0]}`;

  // Provisioned concurrency: environments ready before the first request.
  await Promise.all(
    [...pools.values()].filter((p) => p.fn.provisionedConcurrency > 0).map((p) => p.prewarm(p.fn.provisionedConcurrency)),
  );

  // Printed with the summary (the CLI writes it at start), not through `log`, so it appears once.
  const hostWarning = hostNodeWarning([...pools.values()].map((p) => p.fn));
  const warnings = hostWarning ? [hostWarning] : [];

  let closing: Promise<void> | undefined;
  return {
    url,
    apiKey: firstKey?.value ?? '',
    summary: describe(model, url, pools, usagePlan, warnings),
    warnings,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await Promise.all([...pools.values()].map((p) => p.close()));
        await closed;
      })();
      return closing;
    },
  };
}
