import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Csr, toCsc } from '../features/sparse.js';
import type { Objective } from './lbfgs.js';
import { type SharedObjectiveState, evaluateShare } from './objectiveKernel.js';

export interface ParallelObjective {
  objective: Objective;
  close(): Promise<void>;
}

/**
 * The logistic objective (see `logisticObjective`) split between the main thread and `threads - 1`
 * worker threads over shared memory, the features held by column (objectiveKernel.js says why).
 * Each thread owns a range of features (balanced by non-zeros) and a range of rows; an evaluation is
 * three passes with a barrier between them. The evaluation stays synchronous (the optimiser calls it
 * like any function): the main thread bumps a generation counter, does its own share, then waits with
 * Atomics until every worker is done. Partial logits and per-thread scalars are summed in a fixed
 * order, so the result depends on the thread count but never on thread timing. With one thread no
 * worker is started.
 */
export function parallelObjective(X: Csr, y: Int32Array, classes: number, C: number, threads = availableParallelism()): ParallelObjective {
  const K = classes;
  const n = X.rows;
  const wSize = X.cols * K;
  const size = wSize + K;
  const parts = Math.max(1, Math.min(threads, Math.floor(n / 64) || 1));
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
    control: new Int32Array(new SharedArrayBuffer(16)),
    parts,
  };
  const { control } = state;
  const workers = Array.from(
    { length: parts - 1 },
    (_, i) =>
      new Worker(new URL('./objectiveWorker.js', import.meta.url), {
        workerData: {
          slot: i + 1,
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
          control: control.buffer,
        },
      }),
  );
  let generation = 0;

  const objective: Objective = (x, grad) => {
    state.w.set(x);
    Atomics.store(control, 1, 0);
    Atomics.store(control, 2, 0);
    Atomics.store(control, 3, 0);
    generation++;
    Atomics.store(control, 0, generation);
    Atomics.notify(control, 0);
    evaluateShare(state, 0);
    for (;;) {
      const done = Atomics.load(control, 3);
      if (done >= workers.length) break;
      Atomics.wait(control, 3, done);
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

  return {
    objective,
    async close() {
      Atomics.store(control, 0, -1);
      Atomics.notify(control, 0);
      await Promise.all(workers.map((wk) => wk.terminate()));
    },
  };
}
