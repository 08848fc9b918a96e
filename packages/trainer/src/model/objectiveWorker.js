// A worker thread that evaluates its share of the logistic objective whenever the main thread bumps
// the generation counter (see parallelObjective.ts for the protocol).
import { workerData } from 'node:worker_threads';
import { accumulateRows } from './objectiveKernel.js';

const { control, indptr, indices, data, y, K, w, grad, loss, from, to, slot } = workerData;
const ctl = new Int32Array(control);
const wv = new Float64Array(w);
const gv = new Float64Array(grad);
const lv = new Float64Array(loss);
const args = [new Int32Array(indptr), new Int32Array(indices), new Float64Array(data), new Int32Array(y)];
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  if (seen < 0) break;
  gv.fill(0);
  lv[slot] = accumulateRows(args[0], args[1], args[2], args[3], K, wv, gv, from, to);
  Atomics.add(ctl, 1, 1);
  Atomics.notify(ctl, 1);
}
