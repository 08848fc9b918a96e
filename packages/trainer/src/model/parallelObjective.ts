import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Csr } from '../features/sparse.js';
import type { Objective } from './lbfgs.js';
import { accumulateRows } from './objectiveKernel.js';

export interface ParallelObjective {
  objective: Objective;
  close(): Promise<void>;
}

/**
 * The logistic objective (see `logisticObjective`) with its rows split between the main thread and
 * `threads - 1` worker threads over shared memory. The evaluation stays synchronous (the optimiser
 * calls it like any function): the main thread bumps a generation counter, does its own share, then
 * waits with Atomics until every worker has added its partial gradient. Partial results are summed
 * in a fixed order, so the result does not depend on thread timing.
 */
export function parallelObjective(X: Csr, y: Int32Array, classes: number, C: number, threads = availableParallelism()): ParallelObjective {
  const K = classes;
  const n = X.rows;
  const size = X.cols * K + K;
  const wSize = X.cols * K;
  const reg = 1 / (C * n);
  const parts = Math.max(1, Math.min(threads, Math.floor(n / 64) || 1));
  const share = <T extends Int32Array | Float64Array>(a: T): T => {
    const buf = new SharedArrayBuffer(a.byteLength);
    const copy = new (a.constructor as { new (b: SharedArrayBuffer): T })(buf);
    copy.set(a);
    return copy;
  };
  const indptr = share(X.indptr);
  const indices = share(X.indices);
  const data = share(X.data);
  const ys = share(y);
  const w = new Float64Array(new SharedArrayBuffer(size * 8));
  const loss = new Float64Array(new SharedArrayBuffer(parts * 8));
  const control = new Int32Array(new SharedArrayBuffer(8));
  // Rows are split by non-zeros, not by count, so every thread gets about the same work.
  const bounds = [0];
  const nnz = X.indptr[n] as number;
  for (let t = 1; t < parts; t++) {
    let row = bounds[t - 1] as number;
    while (row < n && (X.indptr[row] as number) < (nnz * t) / parts) row++;
    bounds.push(row);
  }
  bounds.push(n);
  const grads = Array.from({ length: parts }, () => new Float64Array(new SharedArrayBuffer(size * 8)));
  const workers = grads.slice(1).map(
    (grad, i) =>
      new Worker(new URL('./objectiveWorker.js', import.meta.url), {
        workerData: {
          control: control.buffer,
          indptr: indptr.buffer,
          indices: indices.buffer,
          data: data.buffer,
          y: ys.buffer,
          K,
          w: w.buffer,
          grad: grad.buffer,
          loss: loss.buffer,
          from: bounds[i + 1],
          to: bounds[i + 2],
          slot: i + 1,
        },
      }),
  );
  let generation = 0;

  const objective: Objective = (x, grad) => {
    w.set(x);
    Atomics.store(control, 1, 0);
    generation++;
    Atomics.store(control, 0, generation);
    Atomics.notify(control, 0);
    const own = grads[0] as Float64Array;
    own.fill(0);
    loss[0] = accumulateRows(indptr, indices, data, ys, K, w, own, bounds[0] as number, bounds[1] as number);
    for (;;) {
      const done = Atomics.load(control, 1);
      if (done >= workers.length) break;
      Atomics.wait(control, 1, done);
    }
    let total = 0;
    grad.set(own);
    for (let t = 0; t < parts; t++) {
      total += loss[t] as number;
      if (t > 0) {
        const g = grads[t] as Float64Array;
        for (let i = 0; i < size; i++) grad[i] = (grad[i] as number) + (g[i] as number);
      }
    }
    let sq = 0;
    for (let i = 0; i < wSize; i++) {
      const wi = x[i] as number;
      sq += wi * wi;
      grad[i] = (grad[i] as number) / n + reg * wi;
    }
    for (let i = wSize; i < size; i++) grad[i] = (grad[i] as number) / n;
    return total / n + 0.5 * reg * sq;
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
