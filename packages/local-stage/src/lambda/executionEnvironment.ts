import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { LAMBDA } from '../constants.js';

const BOOTSTRAP = fileURLToPath(new URL('./runtime/bootstrap.mjs', import.meta.url));
const PAGE = 4096;

export interface LambdaError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: readonly string[];
}

/** How one invocation ended, as the Lambda service sees it. */
export type InvokeOutcome =
  | { readonly kind: 'ok'; readonly result: unknown }
  | { readonly kind: 'error'; readonly error: LambdaError }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'crash'; readonly error: LambdaError }
  | { readonly kind: 'throttled' }
  /** Withdrawn while it waited for an environment (the pool's `invoke` says when). */
  | { readonly kind: 'cancelled' };

export interface EnvironmentSpec {
  readonly env: Readonly<Record<string, string>>;
  readonly memoryMb: number;
  readonly cwd: string;
  readonly onOutput: (line: string) => void;
}

interface Pending {
  readonly id: number;
  readonly resolve: (outcome: InvokeOutcome) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * One Lambda execution environment: a child process running one invocation at a time.
 * Memory size is enforced twice: V8's heap limits derived from it as the Lambda Node.js runtime's
 * /var/runtime/bootstrap does (new space = memory/10, semi space = new/2, old space = memory - new;
 * copy in lambci/docker-lambda), and an RSS watch (whole-process memory, which is what Lambda
 * meters and kills on: heap, Buffers and native memory alike).
 */
export class ExecutionEnvironment {
  readonly child: ChildProcess;
  state: 'init' | 'idle' | 'busy' | 'dead' = 'init';
  initMs = 0;
  /** Peak resident set size seen, in bytes ("Max Memory Used"). */
  maxRss = 0;
  invocations = 0;
  private pending: Pending | undefined;
  private nextId = 1;
  private exitListeners: ((error: LambdaError) => void)[] = [];
  readonly ready: Promise<void>;
  private readonly limitBytes: number;

  constructor(readonly spec: EnvironmentSpec) {
    const newSpace = Math.floor(spec.memoryMb / 10);
    this.limitBytes = spec.memoryMb * 1024 * 1024;
    this.child = fork(BOOTSTRAP, [], {
      cwd: spec.cwd,
      env: { ...spec.env },
      execArgv: [
        `--max-semi-space-size=${Math.max(1, Math.floor(newSpace / 2))}`,
        `--max-old-space-size=${Math.max(16, spec.memoryMb - newSpace)}`,
      ],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', spec.onOutput);
    }
    this.ready = new Promise<void>((resolve, reject) => {
      const initTimer = setTimeout(() => {
        reject({ errorType: 'Runtime.InitTimeout', errorMessage: `Init phase over ${LAMBDA.initTimeoutMs} ms` });
        this.kill();
      }, LAMBDA.initTimeoutMs);
      this.exitListeners.push((error) => {
        clearTimeout(initTimer);
        reject(error);
      });
      this.child.on('message', (message: ChildMessage) => {
        if (message.t === 'done') {
          this.onDone(message);
        } else if (message.t === 'ready') {
          clearTimeout(initTimer);
          this.initMs = message.initMs;
          this.state = 'idle';
          this.sampleRss();
          resolve();
        } else if (message.t === 'initError') {
          clearTimeout(initTimer);
          this.initMs = message.initMs;
          reject(message.error);
        }
      });
    });
    this.ready.catch(() => undefined);
    this.child.on('exit', (code, signal) => {
      const wasOom = this.maxRss > this.limitBytes;
      this.state = 'dead';
      const error: LambdaError = wasOom
        ? { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' }
        : {
            errorType: 'Runtime.ExitError',
            errorMessage: `Runtime exited with error: ${signal ? `signal: ${signal.toLowerCase()}` : `exit status ${code}`}`,
          };
      for (const listener of this.exitListeners.splice(0)) listener(error);
      const p = this.pending;
      if (p) {
        this.pending = undefined;
        clearTimeout(p.timer);
        p.resolve({ kind: 'crash', error });
      }
    });
    this.child.on('error', () => undefined); // an exit follows
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resident memory now (Linux /proc); 0 where unavailable. */
  sampleRss(): number {
    try {
      const statm = readFileSync(`/proc/${this.child.pid}/statm`, 'latin1');
      const rss = Number(statm.split(' ')[1]) * PAGE;
      if (rss > this.maxRss) this.maxRss = rss;
      if (rss > this.limitBytes) this.kill(); // Lambda stops an environment over its memory size
      return rss;
    } catch {
      return 0;
    }
  }

  invoke(message: InvokeMessage, timeoutMs: number): Promise<InvokeOutcome> {
    this.state = 'busy';
    this.invocations++;
    const id = this.nextId++;
    return new Promise<InvokeOutcome>((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        // Lambda stops the environment at the timeout; the next request gets a new one.
        this.kill();
        resolve({ kind: 'timeout' });
      }, timeoutMs);
      this.pending = { id, resolve, timer };
      this.child.send({ t: 'invoke', id, ...message });
    });
  }

  private onDone(message: DoneMessage): void {
    const p = this.pending;
    if (!p || p.id !== message.id) return;
    this.pending = undefined;
    clearTimeout(p.timer);
    if (message.rss > this.maxRss) this.maxRss = message.rss;
    if (message.rss > this.limitBytes) {
      // Over the memory size at the end of the invocation: Lambda fails it and stops the environment.
      this.kill();
      p.resolve({
        kind: 'crash',
        error: { errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' },
      });
      return;
    }
    if (!message.exiting) this.state = 'idle';
    p.resolve(message.ok ? { kind: 'ok', result: message.result } : { kind: 'error', error: message.error });
  }

  onExit(listener: (error: LambdaError) => void): void {
    if (this.state === 'dead') listener({ errorType: 'Runtime.ExitError', errorMessage: 'exited' });
    else this.exitListeners.push(listener);
  }

  kill(): void {
    if (this.state !== 'dead' && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
    }
  }

  /** Ends the environment and waits for the process to be gone. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await gone;
    clearTimeout(timer);
  }
}

export interface InvokeMessage {
  readonly requestId: string;
  readonly deadline: number;
  readonly invokedArn: string;
  readonly traceId: string;
  readonly event: unknown;
}

type DoneMessage =
  | { t: 'done'; id: number; ok: true; result: unknown; rss: number; exiting?: boolean }
  | { t: 'done'; id: number; ok: false; error: LambdaError; rss: number; exiting?: boolean };

type ChildMessage =
  | DoneMessage
  | { t: 'ready'; initMs: number }
  | { t: 'initError'; error: LambdaError; initMs: number };
