import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXCLUDABLE, type ExcludableGroup, STACK } from './constants.js';
import { E2eError } from './errors.js';

/**
 * Which stage a run talks to. Chosen once, from the environment and the command line, in this order:
 * 1. `STAGE_URL` + `API_KEY`: a deployed stage (or any running stage);
 * 2. `--outputs FILE` or `E2E_OUTPUTS=FILE`: the JSON `cdktf deploy --outputs-file FILE
 *    --outputs-file-include-sensitive-outputs` writes (`{"classifier-test": {"invoke_url", "api_key_value", ...}}`);
 * 3. neither: a local stage started from the synthesized `classifier-test` stack, stopped afterwards.
 * Nothing else in the suite knows which one it got.
 */
export type TargetSpec =
  | { readonly kind: 'deployed'; readonly url: string; readonly apiKey: string; readonly from: 'env' | 'outputs' }
  | { readonly kind: 'local' };

type Env = Readonly<Record<string, string | undefined>>;

/** `--outputs FILE` or `--outputs=FILE` from a command line. */
export function outputsFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--outputs') {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) throw new E2eError('--outputs needs a file: --outputs out.json');
      return next;
    }
    if (arg.startsWith('--outputs=')) return arg.slice('--outputs='.length);
  }
  return undefined;
}

/** Finds an output by name in a cdktf outputs file, whose values may be nested under construct ids. */
function findOutput(node: unknown, names: readonly string[]): unknown {
  if (node === null || typeof node !== 'object') return undefined;
  const obj = node as Record<string, unknown>;
  for (const name of names) if (Object.hasOwn(obj, name)) return obj[name];
  for (const value of Object.values(obj)) {
    const found = findOutput(value, names);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * The stage URL and key from a `cdktf deploy --outputs-file` JSON. cdktf leaves sensitive outputs
 * (`api_key_value` is one) out of that file unless `--outputs-file-include-sensitive-outputs` is given;
 * `API_KEY` may supply the key instead.
 */
export function readOutputs(file: string, env: Env = process.env, stack = STACK): { url: string; apiKey: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(resolve(file), 'utf8'));
  } catch (cause) {
    throw new E2eError(`cannot read the outputs file ${file}: ${(cause as Error).message}`, { cause });
  }
  const stackOutputs = (parsed as Record<string, unknown> | null)?.[stack];
  if (stackOutputs === undefined) {
    const stacks = parsed && typeof parsed === 'object' ? Object.keys(parsed).join(', ') || 'none' : 'none';
    throw new E2eError(`${file} has no outputs of stack ${stack} (stacks in it: ${stacks}); deploy with: npx cdktf deploy classifier-account-<region> ${stack} --outputs-file ${file}`);
  }
  const url = findOutput(stackOutputs, ['invoke_url', 'invokeUrl']);
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new E2eError(`${file}: ${stack}.invoke_url is missing or not a URL`);
  }
  const key = findOutput(stackOutputs, ['api_key_value', 'apiKeyValue']);
  const apiKey = typeof key === 'string' && key.length > 0 ? key : env.API_KEY;
  if (!apiKey) {
    throw new E2eError(
      `${file} has no ${stack}.api_key_value: cdktf writes sensitive outputs only with --outputs-file-include-sensitive-outputs; ` +
        'redeploy with that flag, or set API_KEY (terraform output -raw api_key_value)',
    );
  }
  return { url, apiKey };
}

/** Resolves the target from the environment and the command line (pure but for reading the outputs file). */
export function resolveTarget(env: Env = process.env, argv: readonly string[] = process.argv.slice(2)): TargetSpec {
  const outputs = outputsFlag(argv) ?? env.E2E_OUTPUTS;
  const url = env.STAGE_URL;
  if (url) {
    if (outputs) throw new E2eError('both STAGE_URL and an outputs file (--outputs / E2E_OUTPUTS) are set: choose one target');
    if (!env.API_KEY) throw new E2eError('STAGE_URL is set but API_KEY is not: set both to test a deployed stage, or neither to start a local one');
    if (!/^https?:\/\//.test(url)) throw new E2eError(`STAGE_URL must be an http(s) URL ending in the stage, e.g. https://<id>.execute-api.<region>.amazonaws.com/test`);
    return { kind: 'deployed', url: url.replace(/\/+$/, ''), apiKey: env.API_KEY, from: 'env' };
  }
  if (outputs) {
    const o = readOutputs(outputs, env);
    return { kind: 'deployed', url: o.url.replace(/\/+$/, ''), apiKey: o.apiKey, from: 'outputs' };
  }
  if (env.API_KEY) throw new E2eError('API_KEY is set but STAGE_URL is not: set both to test a deployed stage, or neither to start a local one');
  return { kind: 'local' };
}

/** Groups of cases excluded with `E2E_EXCLUDE=gateway-limits,accuracy` (documented in the README). */
export function excludedGroups(env: Env = process.env): ExcludableGroup[] {
  const raw = (env.E2E_EXCLUDE ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const g of raw) {
    if (!(EXCLUDABLE as readonly string[]).includes(g)) {
      throw new E2eError(`E2E_EXCLUDE names an unknown group "${g}" (known: ${EXCLUDABLE.join(', ')})`);
    }
  }
  return raw as ExcludableGroup[];
}

/** Whether a URL points at this machine (load and soak refuse anything else unless told). */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

/** What may be printed about a target: never the key. */
export function describeTarget(kind: 'local' | 'deployed', url: string): string {
  return kind === 'local' ? `local stage ${url} (started from the synthesized stack)` : `given stage ${url} (STAGE_URL or outputs file)`;
}
