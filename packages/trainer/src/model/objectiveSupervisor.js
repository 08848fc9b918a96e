// The parent of the objective's worker threads (parallelObjective.ts). The main thread evaluates the
// objective synchronously, blocked in Atomics.wait, so a worker's 'error' and 'exit' events never
// reach it: a worker that failed to load, threw or was killed left training waiting for ever. This
// thread does nothing else, so its event loop receives those events and turns them into the shared
// failure flag that every wait checks (objectiveKernel.js, waitAtLeast). Terminating it terminates
// the workers it started.
import { Worker, workerData } from 'node:worker_threads';
import { GENERATION, recordFailure } from './objectiveKernel.js';

const { workers, script, failure, ...shared } = workerData;
const control = new Int32Array(shared.control);

for (let slot = 1; slot <= workers; slot++) {
  const worker = new Worker(new URL(script), { workerData: { ...shared, slot } });
  worker.on('error', (err) => recordFailure(control, failure, `objective worker thread ${slot} failed: ${err instanceof Error ? err.message : String(err)}`));
  // After close() (generation -1) the workers stop on purpose; any other exit is a failure.
  worker.on('exit', (code) => {
    if (Atomics.load(control, GENERATION) >= 0) recordFailure(control, failure, `objective worker thread ${slot} exited (code ${code}) during training`);
  });
}
