import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { FunctionModel } from '../stack/model.js';
import { ExecutionEnvironment, type InvokeOutcome, type LambdaError } from './executionEnvironment.js';
import { endLine, reportLine, startLine, timeoutLine } from './report.js';

const RUNTIME_DIR = dirname(fileURLToPath(new URL('./runtime/bootstrap.mjs', import.meta.url)));

export interface PoolOptions {
  readonly fn: FunctionModel;
  readonly codeDir: string;
  readonly region: string;
  /** Environments at most for a function without reserved concurrency (a local limit; requests queue). */
  readonly unreservedLimit: number;
  /** Environments at most whatever the reservation (LOCAL.maxEnvironments says why). */
  readonly maxEnvironments: number;
  /** Replaces the concurrency limit with this many environments, queueing beyond (benchmarks). */
  readonly environments?: number | undefined;
  readonly log: ((line: string) => void) | undefined;
}

type Grant = { env: ExecutionEnvironment; cold: boolean };
type Waiter = (grant: Grant | undefined) => void;

/**
 * The Lambda service for one function: warm environments are reused (most recently used first),
 * new ones cold-start on demand up to the concurrency limit. With reserved concurrency, a request
 * beyond it is throttled (Lambda answers 429 TooManyRequestsException to API Gateway); without it,
 * the local machine is the limit and the request waits for a free environment.
 */
export class FunctionPool {
  private readonly idle: ExecutionEnvironment[] = [];
  private readonly all = new Set<ExecutionEnvironment>();
  private readonly waiters: Waiter[] = [];
  private readonly baseEnv: Record<string, string>;
  private readonly rssTimer: NodeJS.Timeout;
  private closed = false;
  /** Invocations holding or waiting for an environment. */
  private inflight = 0;
  /** Environments started so far (cold starts). */
  coldStarts = 0;

  constructor(private readonly options: PoolOptions) {
    const { fn, codeDir, region } = options;
    // Lambda's defined runtime environment variables; reserved ones win over the function's own.
    // https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
    this.baseEnv = {
      ...fn.environment,
      _HANDLER: fn.handler,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
      AWS_LAMBDA_FUNCTION_VERSION: fn.version,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
      LAMBDA_TASK_ROOT: codeDir,
      LAMBDA_RUNTIME_DIR: RUNTIME_DIR,
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      PATH: '/usr/local/bin:/usr/bin/:/bin:/opt/bin',
    };
    // The RSS watch for environments in the middle of a long invocation (the end of each one is
    // checked from the child's own report).
    this.rssTimer = setInterval(() => {
      for (const env of this.all) if (env.state === 'busy') env.sampleRss();
    }, 100);
    this.rssTimer.unref();
  }

  get fn(): FunctionModel {
    return this.options.fn;
  }

  /** Environments this pool starts at most. */
  get limit(): number {
    return this.options.environments ?? Math.min(this.options.fn.reservedConcurrency ?? this.options.unreservedLimit, this.options.maxEnvironments);
  }

  /** Environments alive now (initializing, idle or busy). */
  get size(): number {
    return this.all.size;
  }

  /** Starts `n` environments ahead of traffic (provisioned concurrency). */
  async prewarm(n: number): Promise<void> {
    const envs: ExecutionEnvironment[] = [];
    for (let i = 0; i < Math.min(n, this.limit); i++) envs.push(this.spawn('provisioned-concurrency'));
    await Promise.all(envs.map((env) => env.ready.then(() => this.release(env), () => this.remove(env))));
  }

  private spawn(initType: 'on-demand' | 'provisioned-concurrency' = 'on-demand'): ExecutionEnvironment {
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/');
    const env = new ExecutionEnvironment({
      env: {
        ...this.baseEnv,
        AWS_LAMBDA_INITIALIZATION_TYPE: initType,
        AWS_LAMBDA_LOG_STREAM_NAME: `${day}/[${this.fn.version}]${randomBytes(16).toString('hex')}`,
      },
      memoryMb: this.fn.memoryMb,
      cwd: this.options.codeDir,
      onOutput: (line) => this.options.log?.(line),
    });
    this.coldStarts++;
    this.all.add(env);
    env.onExit(() => this.remove(env));
    return env;
  }

  private remove(env: ExecutionEnvironment): void {
    if (!this.all.delete(env)) return;
    const i = this.idle.indexOf(env);
    if (i >= 0) this.idle.splice(i, 1);
    env.kill();
    // A slot freed: a waiting request gets a fresh environment.
    const waiter = !this.closed && this.all.size < this.limit ? this.waiters.shift() : undefined;
    if (waiter) waiter({ env: this.spawn(), cold: true });
  }

  private release(env: ExecutionEnvironment): void {
    if (this.closed || env.state !== 'idle') {
      this.remove(env);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter({ env, cold: false });
    else this.idle.push(env);
  }

  private acquire(signal: AbortSignal | undefined): Grant | Promise<Grant | undefined | 'cancelled'> | undefined {
    const warm = this.idle.pop();
    if (warm) return { env: warm, cold: false };
    if (this.all.size < this.limit) return { env: this.spawn(), cold: true };
    // Every environment is busy. Lambda throttles past the reserved concurrency (this request
    // included in `inflight`); below it, where the local cap is lower, the request waits.
    const reserved = this.options.environments === undefined ? this.fn.reservedConcurrency : undefined;
    if (reserved !== undefined && this.inflight > reserved) return undefined;
    return new Promise((resolve) => {
      const waiter: Waiter = (grant) => {
        signal?.removeEventListener('abort', cancel);
        resolve(grant);
      };
      // The wait exists only because this machine runs fewer environments than Lambda would: AWS
      // never queues a synchronous invocation. So a request nobody waits for any more (the
      // integration timed out, the client went away) leaves the queue instead of running later.
      const cancel = (): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve('cancelled');
      };
      if (signal?.aborted) return cancel();
      signal?.addEventListener('abort', cancel, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * One synchronous invocation, as API Gateway's AWS_PROXY integration makes it. `requestId` is the
   * invocation's own (Lambda's: context.awsRequestId, START/END/REPORT), not API Gateway's. `signal`
   * withdraws it while it waits for an environment (`cancelled`); once the function runs, it runs to the end.
   */
  async invoke(event: unknown, requestId: string, traceId: string, signal?: AbortSignal): Promise<InvokeOutcome> {
    if (this.closed) return { kind: 'throttled' };
    this.inflight++;
    try {
      return await this.invokeCounted(event, requestId, traceId, signal);
    } finally {
      this.inflight--;
    }
  }

  private async invokeCounted(event: unknown, requestId: string, traceId: string, signal: AbortSignal | undefined): Promise<InvokeOutcome> {
    const got = this.acquire(signal);
    const grant = got instanceof Promise ? await got : got;
    if (grant === 'cancelled') return { kind: 'cancelled' };
    if (grant === undefined) return { kind: 'throttled' };
    const { env, cold } = grant;
    const log = this.options.log;
    const fn = this.fn;
    if (cold) {
      try {
        await env.ready;
      } catch (error) {
        this.remove(env);
        const e = error as LambdaError;
        log?.(startLine(requestId, fn.version));
        log?.(endLine(requestId));
        log?.(reportLine({ requestId, version: fn.version, durationMs: 0, memoryMb: fn.memoryMb, maxRssBytes: env.maxRss, initMs: env.initMs, status: 'error', errorType: e.errorType }));
        return { kind: 'error', error: e };
      }
    }
    log?.(startLine(requestId, fn.version));
    const started = performance.now();
    const outcome = await env.invoke(
      { requestId, deadline: Date.now() + fn.timeoutS * 1000, invokedArn: fn.invokedArn, traceId, event },
      fn.timeoutS * 1000,
    );
    const durationMs = performance.now() - started;
    if (log) {
      if (outcome.kind === 'timeout') log(timeoutLine(requestId, fn.timeoutS));
      log(endLine(requestId));
      log(
        reportLine({
          requestId,
          version: fn.version,
          durationMs,
          memoryMb: fn.memoryMb,
          maxRssBytes: env.maxRss,
          ...(cold ? { initMs: env.initMs } : {}),
          ...(outcome.kind === 'timeout' ? { status: 'timeout' as const } : {}),
          ...(outcome.kind === 'crash' ? { status: 'error' as const, errorType: outcome.error.errorType } : {}),
        }),
      );
    }
    this.release(env);
    return outcome;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.rssTimer);
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
    await Promise.all([...this.all].map((env) => env.close()));
    this.all.clear();
    this.idle.length = 0;
  }
}
