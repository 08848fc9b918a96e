export function accumulateLogits(
  colptr: Int32Array,
  rowIdx: Int32Array,
  vals: Float64Array,
  K: number,
  w: Float64Array,
  z: Float64Array,
  f0: number,
  f1: number,
): void;

export function residualRows(
  partials: readonly Float64Array[],
  w: Float64Array,
  wSize: number,
  y: Int32Array,
  K: number,
  residual: Float64Array,
  interceptGrad: Float64Array,
  r0: number,
  r1: number,
): number;

export function gradientColumns(
  colptr: Int32Array,
  rowIdx: Int32Array,
  vals: Float64Array,
  K: number,
  residual: Float64Array,
  w: Float64Array,
  grad: Float64Array,
  n: number,
  reg: number,
  f0: number,
  f1: number,
): number;

/** Slots of the shared control array; see objectiveKernel.js. */
export const GENERATION: 0;
export const BARRIER_1: 1;
export const BARRIER_2: 2;
export const DONE: 3;
export const FAILED: 4;
export const FAILURE_LENGTH: 5;
export const CONTROL_SLOTS: 6;

/** Blocks until control[index] >= target; throws once a thread failed. */
export function waitAtLeast(control: Int32Array, index: number, target: number): void;

export function barrier(control: Int32Array, index: number, parties: number): void;

/** Flags a failure (the first one wins) with its message and wakes every waiting thread. */
export function recordFailure(control: Int32Array, failure: SharedArrayBuffer, message: string): void;

/** The recorded failure's message, or undefined while no thread failed. */
export function failureMessage(control: Int32Array, failure: SharedArrayBuffer): string | undefined;

/** Everything a thread needs for its share of one evaluation; arrays are views of shared memory. */
export interface SharedObjectiveState {
  colptr: Int32Array;
  rowIdx: Int32Array;
  vals: Float64Array;
  y: Int32Array;
  K: number;
  n: number;
  reg: number;
  w: Float64Array;
  grad: Float64Array;
  /** One rows x K partial-logits matrix per part. */
  partials: Float64Array[];
  residual: Float64Array;
  /** Per part: [loss, sum of w^2, K intercept gradient sums]. */
  scalars: Float64Array[];
  /** Part p covers features [featureBounds[p], featureBounds[p + 1]) (parts + 1 entries). */
  featureBounds: Int32Array;
  /** Part p covers rows [rowBounds[p], rowBounds[p + 1]) (parts + 1 entries). */
  rowBounds: Int32Array;
  /** Thread t computes parts [threadParts[t], threadParts[t + 1]) (threads + 1 entries). */
  threadParts: Int32Array;
  /** CONTROL_SLOTS counters: GENERATION, BARRIER_1, BARRIER_2, DONE, FAILED, FAILURE_LENGTH. */
  control: Int32Array;
  /** Parts the work is cut into: fixed by the data, never by the thread count. */
  parts: number;
  /** Threads sharing the parts (the main thread included): the barriers' parties. */
  threads: number;
}

export function evaluateShare(s: SharedObjectiveState, slot: number): void;

/** The three passes specialised (loop-unrolled) for K classes; bit-identical to the generic ones. */
export function kernelsFor(K: number): {
  accumulateLogits: typeof accumulateLogits;
  residualRows: typeof residualRows;
  gradientColumns: typeof gradientColumns;
};
