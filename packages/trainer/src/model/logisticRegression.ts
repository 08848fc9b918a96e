import type { Csr } from '../features/sparse.js';
import { availableParallelism } from 'node:os';
import { type LbfgsResult, type Objective, lbfgs } from './lbfgs.js';
import { parallelObjective } from './parallelObjective.js';

export interface LogisticRegressionOptions {
  /** Inverse L2 strength, as scikit-learn's `C`. */
  C: number;
  maxIter: number;
  /** Gradient tolerance on scikit-learn's (unscaled) objective; its default is 1e-4. */
  tol: number;
  /** See LbfgsOptions.plateau. */
  plateau?: { iterations: number; tol: number } | null;
  /** L-BFGS history length. @default 10 */
  memory?: number;
  /** Starting point, laid out as [coef, intercept] (a warm start); zeros when absent. */
  init?: Float64Array;
  onIteration?: (iteration: number, loss: number, gmax: number) => void;
  /**
   * Threads evaluating the objective (they share its fixed parts, see parallelObjective); the model is
   * bit-identical whatever the count. @default all cores
   */
  threads?: number;
}

export interface LogisticRegressionModel {
  classes: number;
  features: number;
  /** Row-major [features][classes]: a feature's coefficients for every class are contiguous. */
  coef: Float64Array;
  intercept: Float64Array;
  iterations: number;
  converged: boolean;
  stopReason: LbfgsResult['reason'];
  loss: number;
}

/**
 * Multinomial logistic regression with an L2 penalty on the coefficients (not the intercept), the
 * objective scikit-learn's `lbfgs` solver minimises: sum_i logloss_i + ||W||^2 / (2C).
 * Evaluated here divided by n so that magnitudes do not grow with the data; the gradient tolerance is
 * scaled the same way, so `tol` keeps scikit-learn's meaning.
 */
export function fitLogisticRegression(
  X: Csr,
  y: Int32Array,
  classes: number,
  options: LogisticRegressionOptions,
): LogisticRegressionModel {
  const wSize = X.cols * classes;
  // Checked before any worker thread starts: a throw after would leave them running.
  if (options.init && options.init.length !== wSize + classes) {
    throw new RangeError(`init has ${options.init.length} values, expected ${wSize + classes} (features x classes + classes)`);
  }
  const threads = options.threads ?? availableParallelism();
  const parallel = parallelObjective(X, y, classes, options.C, threads);
  let result: LbfgsResult;
  try {
    result = lbfgs(parallel.objective, options.init ?? new Float64Array(wSize + classes), {
      maxIter: options.maxIter,
      memory: options.memory,
      plateau: options.plateau ?? undefined,
      gtol: options.tol / X.rows,
      ftol: 64 * Number.EPSILON,
      onIteration: options.onIteration,
    });
  } finally {
    // Also when lbfgs throws (a worker failed, onIteration threw): live workers keep the process alive.
    // They only wait on shared memory; terminating them needs no result.
    void parallel.close();
  }
  return {
    classes,
    features: X.cols,
    coef: result.x.slice(0, wSize),
    intercept: result.x.slice(wSize),
    iterations: result.iterations,
    converged: result.converged,
    stopReason: result.reason,
    loss: result.f,
  };
}

/**
 * The objective and its gradient over parameters laid out as [coef (features x classes), intercept],
 * on the calling thread. Exported so the gradient can be checked against finite differences; it is the
 * same code as training's multi-threaded objective (parallelObjective.ts) run as a single share.
 */
export function logisticObjective(X: Csr, y: Int32Array, classes: number, C: number): Objective {
  return parallelObjective(X, y, classes, C, 1).objective;
}

/** Logits for every row, [rows][classes] row-major. */
export function decisionFunction(model: LogisticRegressionModel, X: Csr): Float64Array {
  const K = model.classes;
  const out = new Float64Array(X.rows * K);
  for (let i = 0; i < X.rows; i++) {
    for (let k = 0; k < K; k++) out[i * K + k] = model.intercept[k] as number;
    for (let p = X.indptr[i] as number; p < (X.indptr[i + 1] as number); p++) {
      const base = (X.indices[p] as number) * K;
      const x = X.data[p] as number;
      for (let k = 0; k < K; k++) out[i * K + k] = (out[i * K + k] as number) + x * (model.coef[base + k] as number);
    }
  }
  return out;
}

export function softmaxRows(logits: Float64Array, K: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i += K) {
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) max = Math.max(max, logits[i + k] as number);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += out[i + k] = Math.exp((logits[i + k] as number) - max);
    for (let k = 0; k < K; k++) out[i + k] = (out[i + k] as number) / sum;
  }
  return out;
}

export function argmaxRows(values: Float64Array, K: number): Int32Array {
  const out = new Int32Array(values.length / K);
  for (let i = 0; i < out.length; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if ((values[i * K + k] as number) > (values[i * K + best] as number)) best = k;
    out[i] = best;
  }
  return out;
}
