import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Csr, toCsc } from '../features/sparse.js';
import type { Objective } from './lbfgs.js';
import {
  BARRIER_1,
  BARRIER_2,
  CONTROL_SLOTS,
  DONE,
  GENERATION,
  type SharedObjectiveState,
  evaluateShare,
  failureMessage,
  recordFailure,
  waitAtLeast,
} from './objectiveKernel.js';

export interface ParallelObjective {
  objective: Objective;
  /** Stops the worker threads; safe to call more than once. */
  close(): Promise<void>;
}

export interface ParallelObjectiveOptions {
  /** The worker threads' script (tests substitute one that fails). @default ./objectiveWorker.js */
  workerScript?: URL;
}

/**
 * The objective is split into this many parts whatever the thread count, so that its value and
 * gradient, and so the trained model and its version, are bit-identical on every machine: floating-point
 * sums depend on how they are grouped, and a split by thread count made a 2-core CI and an 8-core laptop
 * train different models (~1e-12 per evaluation, amplified by hundreds of L-BFGS iterations). Eight
 * keeps up to eight cores busy; each part costs a rows x classes buffer of partial logits.
 */
export const OBJECTIVE_PARTS = 8;
/** Fewer parts for small inputs (a choice made from the row count alone, never the thread count). */
const MIN_ROWS_PER_PART = 64;

/**
 * The logistic objective (see `logisticObjective`) split between the main thread and up to
 * `threads - 1` worker threads over shared memory, the features held by column (objectiveKernel.js
 * says why). The work is cut into a fixed number of parts (OBJECTIVE_PARTS, fewer below 64 rows a
 * part), each a range of features (balanced by non-zeros) and a range of rows, with its own partial
 * logits and scalars; each thread computes a contiguous range of parts. An evaluation is three passes
 * with a barrier between them. The evaluation stays synchronous (the optimiser calls it like any
 * function): the main thread bumps a generation counter, does its own share, then waits with Atomics
 * until every worker is done. Partial logits and per-part scalars are summed in part order, so the
 * result depends neither on thread timing nor on the thread count. With one thread (or one part) no
 * worker is started.
 *
 * The workers are started by a supervisor thread (objectiveSupervisor.js says why) that flags a worker's
 * failure in shared memory; every wait checks the flag, so a failure makes the evaluation throw, naming
 * it, instead of blocking for ever, and stops the threads.
 */
export function parallelObjective(
  X: Csr,
  y: Int32Array,
  classes: number,
  C: number,
  threads = availableParallelism(),
  options: ParallelObjectiveOptions = {},
): ParallelObjective {
  const K = classes;
  const n = X.rows;
  const wSize = X.cols * K;
  const size = wSize + K;
  const parts = Math.max(1, Math.min(OBJECTIVE_PARTS, Math.floor(n / MIN_ROWS_PER_PART)));
  // More threads than parts would have nothing to do.
  const threadCount = Math.max(1, Math.min(parts, Math.floor(threads) || 1));
  const csc = toCsc(X);
  const share = <T extends Int32Array | Float64Array>(a: T): T => {
    const copy = new (a.constructor as { new (b: SharedArrayBuffer): T })(new SharedArrayBuffer(Math.max(8, a.byteLength)));
    copy.set(a);
    return copy;
  };
  const f64 = (length: number) => new Float64Array(new SharedArrayBuffer(Math.max(8, length * 8)));
  // Features split by non-zeros (the two column passes dominate); rows split by count.
  const nnz = csc.colptr[X.cols] as number;
  const featureBounds = new Int32Array(new SharedArrayBuffer((parts + 1) * 4));
  const rowBounds = new Int32Array(new SharedArrayBuffer((parts + 1) * 4));
  for (let t = 1; t < parts; t++) {
    let j = featureBounds[t - 1] as number;
    while (j < X.cols && (csc.colptr[j] as number) < (nnz * t) / parts) j++;
    featureBounds[t] = j;
    rowBounds[t] = Math.round((n * t) / parts);
  }
  featureBounds[parts] = X.cols;
  rowBounds[parts] = n;
  // Thread t computes parts [threadParts[t], threadParts[t + 1]).
  const threadParts = new Int32Array(new SharedArrayBuffer((threadCount + 1) * 4));
  for (let t = 1; t <= threadCount; t++) threadParts[t] = Math.round((parts * t) / threadCount);
  const state: SharedObjectiveState = {
    colptr: share(csc.colptr),
    rowIdx: share(csc.rowIdx),
    vals: share(csc.data),
    y: share(y),
    K,
    n,
    reg: 1 / (C * n),
    w: f64(size),
    grad: f64(size),
    partials: Array.from({ length: parts }, () => f64(n * K)),
    residual: f64(n * K),
    scalars: Array.from({ length: parts }, () => f64(K + 2)),
    featureBounds,
    rowBounds,
    threadParts,
    control: new Int32Array(new SharedArrayBuffer(CONTROL_SLOTS * 4)),
    parts,
    threads: threadCount,
  };
  const { control } = state;
  // A worker's failure message, written by recordFailure (truncated to fit).
  const failure = new SharedArrayBuffer(4096);
  const workers = threadCount - 1;
  let supervisor: Worker | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      Atomics.store(control, GENERATION, -1);
      Atomics.notify(control, GENERATION);
      await supervisor?.terminate();
    })();
    return closing;
  };
  if (workers > 0) {
    supervisor = new Worker(new URL('./objectiveSupervisor.js', import.meta.url), {
      workerData: {
        workers,
        script: (options.workerScript ?? new URL('./objectiveWorker.js', import.meta.url)).href,
        failure,
        ...state,
        // Views are rebuilt in the worker over the same shared buffers.
        colptr: state.colptr.buffer,
        rowIdx: state.rowIdx.buffer,
        vals: state.vals.buffer,
        y: state.y.buffer,
        w: state.w.buffer,
        grad: state.grad.buffer,
        partials: state.partials.map((p) => p.buffer),
        residual: state.residual.buffer,
        scalars: state.scalars.map((s) => s.buffer),
        featureBounds: featureBounds.buffer,
        rowBounds: rowBounds.buffer,
        threadParts: threadParts.buffer,
        control: control.buffer,
      },
    });
    // Seen only when this thread is not inside an evaluation; flagged for the next one (and a listener
    // keeps the event from being an uncaught error).
    supervisor.on('error', (err) => recordFailure(control, failure, `objective supervisor thread failed: ${err.message}`));
    supervisor.on('exit', (code) => {
      if (!closing) recordFailure(control, failure, `objective supervisor thread exited (code ${code})`);
    });
  }
  /** Throws the recorded failure, if any, after stopping the threads. */
  const throwIfFailed = () => {
    const message = failureMessage(control, failure);
    if (message === undefined) return;
    void close();
    throw new Error(`${message}; training stopped`);
  };
  let generation = 0;

  const objective: Objective = (x, grad) => {
    throwIfFailed();
    // The workers are gone: an evaluation would wait for them for ever.
    if (closing) throw new Error('the parallel objective is closed');
    state.w.set(x);
    Atomics.store(control, BARRIER_1, 0);
    Atomics.store(control, BARRIER_2, 0);
    Atomics.store(control, DONE, 0);
    generation++;
    Atomics.store(control, GENERATION, generation);
    Atomics.notify(control, GENERATION);
    try {
      evaluateShare(state, 0);
      waitAtLeast(control, DONE, workers);
    } catch (err) {
      // A worker's failure (the waits gave up) is the cause to report; else this thread's own error.
      throwIfFailed();
      void close();
      throw err;
    }
    grad.set(state.grad);
    let loss = 0;
    let sq = 0;
    for (let k = 0; k < K; k++) grad[wSize + k] = 0;
    for (const sc of state.scalars) {
      loss += sc[0] as number;
      sq += sc[1] as number;
      for (let k = 0; k < K; k++) grad[wSize + k] = (grad[wSize + k] as number) + (sc[2 + k] as number);
    }
    for (let k = 0; k < K; k++) grad[wSize + k] = (grad[wSize + k] as number) / n;
    return loss / n + 0.5 * state.reg * sq;
  };

  return { objective, close };
}
