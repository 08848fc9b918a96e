// The hot loops of the logistic objective, as plain JavaScript so that worker threads can load them
// without a TypeScript loader. Shared by the main thread and the workers (parallelObjective.ts).
//
// The features are held by column (CSC: for each feature, the rows it occurs in). Iterating by
// feature reads the large coefficient matrix and writes the large gradient matrix sequentially, one
// feature's K values after another, while the random accesses fall on the small rows x K logits and
// residual matrices, which stay in cache. By row (CSR) it is the other way round, and every non-zero
// costs a cache miss in both big matrices. Features also partition cleanly between threads: each
// thread owns its slice of the gradient, so no per-thread gradient copies need summing.
//
// The work is cut into a fixed number of parts, each a range of features and a range of rows; a thread
// computes a contiguous range of parts. One evaluation is three passes (a thread runs each pass on its
// parts, with a barrier between):
//   1. accumulateLogits: a part's partial logits X[:, features] W[features] for its range of features;
//   2. residualRows: for a part's range of rows, logits = intercept + sum of partials (in part order),
//      softmax, loss, and the residual p - onehot(y) that every gradient term is a multiple of;
//   3. gradientColumns: for a part's range of features, X[:, j]^T residual / n + reg * W[j].
// Every value is computed per part and every sum over parts is taken in part order, so the result does
// not depend on how many threads share the parts.

// Slots of the shared control array (an Int32Array of CONTROL_SLOTS).
/** Bumped by the main thread to start an evaluation; -1 tells the workers to stop. */
export const GENERATION = 0;
/** Arrivals at the two barriers of an evaluation. */
export const BARRIER_1 = 1;
export const BARRIER_2 = 2;
/** Workers done with the current evaluation. */
export const DONE = 3;
/** Non-zero once a thread failed (recordFailure); every wait gives up then. */
export const FAILED = 4;
/** Bytes of the failure message, UTF-8, at the start of the shared failure buffer. */
export const FAILURE_LENGTH = 5;
export const CONTROL_SLOTS = 6;

// A failure notifies every slot, but it can be flagged between a waiter's check and its wait; waits
// are sliced so the waiter sees it at most this late (ms). Each wake costs one load: nothing measurable.
const WAIT_SLICE_MS = 100;

/**
 * Adds X[:, f0..f1) W[f0..f1) to `z` (rows x K, zeroed by the caller).
 * @param {Int32Array} colptr @param {Int32Array} rowIdx @param {Float64Array} vals @param {number} K
 * @param {Float64Array} w @param {Float64Array} z @param {number} f0 @param {number} f1
 */
export function accumulateLogits(colptr, rowIdx, vals, K, w, z, f0, f1) {
  for (let j = f0; j < f1; j++) {
    const end = colptr[j + 1];
    const wb = j * K;
    for (let p = colptr[j]; p < end; p++) {
      const zb = rowIdx[p] * K;
      const x = vals[p];
      for (let k = 0; k < K; k++) z[zb + k] += x * w[wb + k];
    }
  }
}

/**
 * For rows [r0, r1): logits = intercept + the sum of the partial logits (in order), their softmax,
 * the residual p - onehot(y) written to `residual`, its column sums added to `interceptGrad` (K,
 * unscaled). Returns the rows' unscaled log-loss.
 * @param {Float64Array[]} partials @param {Float64Array} w @param {number} wSize @param {Int32Array} y
 * @param {number} K @param {Float64Array} residual @param {Float64Array} interceptGrad
 * @param {number} r0 @param {number} r1 @returns {number}
 */
export function residualRows(partials, w, wSize, y, K, residual, interceptGrad, r0, r1) {
  const z = new Float64Array(K);
  let loss = 0;
  for (let i = r0; i < r1; i++) {
    const b = i * K;
    for (let k = 0; k < K; k++) z[k] = w[wSize + k];
    for (let t = 0; t < partials.length; t++) {
      const part = partials[t];
      for (let k = 0; k < K; k++) z[k] += part[b + k];
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (z[k] > max) max = z[k];
    const target = y[i];
    // The target's shifted logit, read before the exp below overwrites it: log(exp(t)) underflows to
    // log(0) = -Infinity (an infinite loss) once the target's logit is ~745 below the row's max.
    const targetShifted = z[target] - max;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(z[k] - max);
      z[k] = e;
      sum += e;
    }
    loss += Math.log(sum) - targetShifted;
    for (let k = 0; k < K; k++) {
      const r = z[k] / sum - (k === target ? 1 : 0);
      residual[b + k] = r;
      interceptGrad[k] += r;
    }
  }
  return loss;
}

/**
 * grad[j] = X[:, j]^T residual / n + reg * w[j] for features [f0, f1); returns the sum of w[j]^2
 * over those features (for the penalty term of the loss).
 * @param {Int32Array} colptr @param {Int32Array} rowIdx @param {Float64Array} vals @param {number} K
 * @param {Float64Array} residual @param {Float64Array} w @param {Float64Array} grad @param {number} n
 * @param {number} reg @param {number} f0 @param {number} f1 @returns {number}
 */
export function gradientColumns(colptr, rowIdx, vals, K, residual, w, grad, n, reg, f0, f1) {
  const acc = new Float64Array(K);
  const inv = 1 / n;
  let sq = 0;
  for (let j = f0; j < f1; j++) {
    acc.fill(0);
    const end = colptr[j + 1];
    for (let p = colptr[j]; p < end; p++) {
      const rb = rowIdx[p] * K;
      const x = vals[p];
      for (let k = 0; k < K; k++) acc[k] += x * residual[rb + k];
    }
    const wb = j * K;
    for (let k = 0; k < K; k++) {
      const wk = w[wb + k];
      sq += wk * wk;
      grad[wb + k] = acc[k] * inv + reg * wk;
    }
  }
  return sq;
}

/**
 * Blocks until `control[index]` reaches `target`. Throws once a thread failed (`control[FAILED]`): a
 * thread that died never arrives, and the wait would otherwise last for ever.
 * @param {Int32Array} control @param {number} index @param {number} target
 */
export function waitAtLeast(control, index, target) {
  for (;;) {
    if (Atomics.load(control, FAILED) !== 0) throw new Error('an objective thread failed');
    const v = Atomics.load(control, index);
    if (v >= target) return;
    Atomics.wait(control, index, v, WAIT_SLICE_MS);
  }
}

/**
 * Waits until `parties` threads have arrived at counter `index` of `control` (reset by the main thread
 * before each evaluation).
 * @param {Int32Array} control @param {number} index @param {number} parties
 */
export function barrier(control, index, parties) {
  if (Atomics.add(control, index, 1) + 1 === parties) {
    Atomics.notify(control, index);
    return;
  }
  waitAtLeast(control, index, parties);
}

/**
 * Flags a failure (the first one wins) with its message in `failure` (a shared byte buffer) and wakes
 * every waiting thread, which then throws (waitAtLeast). Called by one thread at a time: the supervisor,
 * or the main thread once the supervisor itself has failed. The message is written before the flag, so
 * a thread that sees the flag sees the whole message.
 * @param {Int32Array} control @param {SharedArrayBuffer} failure @param {string} message
 */
export function recordFailure(control, failure, message) {
  if (Atomics.load(control, FAILED) !== 0) return;
  const { written } = new TextEncoder().encodeInto(message, new Uint8Array(failure));
  Atomics.store(control, FAILURE_LENGTH, written);
  Atomics.store(control, FAILED, 1);
  for (let i = 0; i < CONTROL_SLOTS; i++) Atomics.notify(control, i);
}

/**
 * The recorded failure's message, or undefined while no thread failed.
 * @param {Int32Array} control @param {SharedArrayBuffer} failure @returns {string | undefined}
 */
export function failureMessage(control, failure) {
  if (Atomics.load(control, FAILED) === 0) return undefined;
  // slice: TextDecoder may refuse a view of shared memory.
  return new TextDecoder().decode(new Uint8Array(failure, 0, Atomics.load(control, FAILURE_LENGTH)).slice());
}

/**
 * One thread's share of an evaluation (thread `slot` of `threads`): the three passes on each of its
 * parts, with barriers between the passes. Writes its parts' slices of `grad` and their scalars: [loss,
 * sum of w^2, K intercept gradient sums], all unscaled except the coefficient gradient. A part's
 * results are the same whichever thread computes it.
 * @param {import('./objectiveKernel.js').SharedObjectiveState} s @param {number} slot
 */
export function evaluateShare(s, slot) {
  const { accumulateLogits, residualRows, gradientColumns } = kernelsFor(s.K);
  const { colptr, rowIdx, vals, y, K, n, reg, w, grad, partials, residual, scalars, featureBounds, rowBounds, threadParts, control, threads } = s;
  const p0 = threadParts[slot];
  const p1 = threadParts[slot + 1];
  for (let part = p0; part < p1; part++) {
    const z = partials[part];
    z.fill(0);
    accumulateLogits(colptr, rowIdx, vals, K, w, z, featureBounds[part], featureBounds[part + 1]);
  }
  barrier(control, BARRIER_1, threads);
  const wSize = w.length - K;
  for (let part = p0; part < p1; part++) {
    const sc = scalars[part];
    sc.fill(0);
    sc[0] = residualRows(partials, w, wSize, y, K, residual, sc.subarray(2), rowBounds[part], rowBounds[part + 1]);
  }
  barrier(control, BARRIER_2, threads);
  for (let part = p0; part < p1; part++) {
    scalars[part][1] = gradientColumns(colptr, rowIdx, vals, K, residual, w, grad, n, reg, featureBounds[part], featureBounds[part + 1]);
  }
}

/** @type {Map<number, { accumulateLogits: typeof accumulateLogits, residualRows: typeof residualRows, gradientColumns: typeof gradientColumns }>} */
const specialised = new Map();

/**
 * The three passes with the class loop unrolled for a given K (generated from K alone, no data).
 * V8 keeps the K accumulators of the gradient pass in registers and drops the inner loop's bounds
 * checks and branches; measured on the seed matrix (K = 20), each column pass runs about 2x as fast as
 * the generic loops above, which stay as the reference the tests compare the generated code with. The
 * row pass keeps a row's K logits in registers while it adds up the parts' partial logits (eight
 * matrices to sum), which otherwise made it half as slow again. Every sum is taken in the same order
 * as in the generic loops, so the results are bit-identical.
 * @param {number} K
 */
export function kernelsFor(K) {
  let kernels = specialised.get(K);
  if (kernels) return kernels;
  const ks = Array.from({ length: K }, (_, k) => k);
  const logits = new Function(
    'colptr',
    'rowIdx',
    'vals',
    'K',
    'w',
    'z',
    'f0',
    'f1',
    `for (let j = f0; j < f1; j++) {
      const end = colptr[j + 1];
      const wb = j * ${K};
      ${ks.map((k) => `const w${k} = w[wb + ${k}];`).join(' ')}
      for (let p = colptr[j]; p < end; p++) {
        const zb = rowIdx[p] * ${K};
        const x = vals[p];
        ${ks.map((k) => `z[zb + ${k}] += x * w${k};`).join(' ')}
      }
    }`,
  );
  const gradient = new Function(
    'colptr',
    'rowIdx',
    'vals',
    'K',
    'residual',
    'w',
    'grad',
    'n',
    'reg',
    'f0',
    'f1',
    `const inv = 1 / n;
    let sq = 0;
    for (let j = f0; j < f1; j++) {
      ${ks.map((k) => `let a${k} = 0;`).join(' ')}
      const end = colptr[j + 1];
      for (let p = colptr[j]; p < end; p++) {
        const rb = rowIdx[p] * ${K};
        const x = vals[p];
        ${ks.map((k) => `a${k} += x * residual[rb + ${k}];`).join(' ')}
      }
      const wb = j * ${K};
      ${ks.map((k) => `{ const wk = w[wb + ${k}]; sq += wk * wk; grad[wb + ${k}] = a${k} * inv + reg * wk; }`).join(' ')}
    }
    return sq;`,
  );
  const rows = new Function(
    'partials',
    'w',
    'wSize',
    'y',
    'K',
    'residual',
    'interceptGrad',
    'r0',
    'r1',
    `const zs = new Float64Array(${K});
    const parts = partials.length;
    ${ks.map((k) => `const c${k} = w[wSize + ${k}];`).join(' ')}
    let loss = 0;
    for (let i = r0; i < r1; i++) {
      const b = i * ${K};
      ${ks.map((k) => `let z${k} = c${k};`).join(' ')}
      for (let t = 0; t < parts; t++) {
        const part = partials[t];
        ${ks.map((k) => `z${k} += part[b + ${k}];`).join(' ')}
      }
      let max = -Infinity;
      ${ks.map((k) => `if (z${k} > max) max = z${k};`).join(' ')}
      const target = y[i];
      ${ks.map((k) => `zs[${k}] = z${k};`).join(' ')}
      const targetShifted = zs[target] - max;
      let sum = 0;
      ${ks.map((k) => `z${k} = Math.exp(z${k} - max); sum += z${k};`).join(' ')}
      loss += Math.log(sum) - targetShifted;
      ${ks.map((k) => `{ const r = z${k} / sum - (target === ${k} ? 1 : 0); residual[b + ${k}] = r; interceptGrad[${k}] += r; }`).join(' ')}
    }
    return loss;`,
  );
  kernels = {
    accumulateLogits: /** @type {typeof accumulateLogits} */ (logits),
    residualRows: /** @type {typeof residualRows} */ (rows),
    gradientColumns: /** @type {typeof gradientColumns} */ (gradient),
  };
  specialised.set(K, kernels);
  return kernels;
}
