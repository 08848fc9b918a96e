// A worker thread that evaluates its share of the logistic objective whenever the main thread bumps
// the generation counter (see parallelObjective.ts for the protocol). Started by
// objectiveSupervisor.js, which reports it if it fails.
import { workerData } from 'node:worker_threads';
import { DONE, FAILED, GENERATION, evaluateShare } from './objectiveKernel.js';

const d = workerData;
const f64 = (b) => new Float64Array(b);
const state = {
  ...d,
  colptr: new Int32Array(d.colptr),
  rowIdx: new Int32Array(d.rowIdx),
  vals: f64(d.vals),
  y: new Int32Array(d.y),
  w: f64(d.w),
  grad: f64(d.grad),
  partials: d.partials.map(f64),
  residual: f64(d.residual),
  scalars: d.scalars.map(f64),
  featureBounds: new Int32Array(d.featureBounds),
  rowBounds: new Int32Array(d.rowBounds),
  threadParts: new Int32Array(d.threadParts),
  control: new Int32Array(d.control),
};
const ctl = state.control;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, GENERATION, seen);
  const generation = Atomics.load(ctl, GENERATION);
  if (generation < 0 || Atomics.load(ctl, FAILED) !== 0) break;
  // A failure notifies every slot: woken without a new generation, there is nothing to evaluate.
  if (generation === seen) continue;
  seen = generation;
  evaluateShare(state, d.slot);
  Atomics.add(ctl, DONE, 1);
  Atomics.notify(ctl, DONE);
}
