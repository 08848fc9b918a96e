// A worker thread that evaluates its share of the logistic objective whenever the main thread bumps
// the generation counter (see parallelObjective.ts for the protocol).
import { workerData } from 'node:worker_threads';
import { evaluateShare } from './objectiveKernel.js';

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
  control: new Int32Array(d.control),
};
const ctl = state.control;
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  evaluateShare(state, d.slot);
  Atomics.add(ctl, 3, 1);
  Atomics.notify(ctl, 3);
}
