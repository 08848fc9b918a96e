import type { InferenceSession } from 'onnxruntime-node';

/**
 * Session options for a 1-2 vCPU Lambda (256 MB gives a fraction of one vCPU):
 * - one intra-op thread: the graph is many small ops; a thread pool only adds wake-up latency and,
 *   on a fractional vCPU, contention (measured in bench/handler.bench.ts);
 * - sequential execution, no inter-op pool, for the same reason;
 * - full graph optimisation: done once at session creation, which the init budget affords;
 * - no CPU memory arena and no memory-pattern planning: the Tokenizer output's shape changes with
 *   every batch, so an arena only keeps the peak of the largest batch resident forever (RSS grows
 *   with the longest post seen) while saving little allocation time. The term-count session is the
 *   exception (`termCountSessionOptions`).
 */
export function lambdaSessionOptions(intraOpThreads = 1, memArena = false): InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    enableCpuMemArena: memArena,
    enableMemPattern: memArena,
    logSeverityLevel: 3,
  };
}

/**
 * The session that runs plain requests from per-post sums or term counts: the same options with the
 * CPU arena on. Its tensors are [N, C + 1] or [U, C + 1] at most (no padded token grid), so the
 * arena's retained peak is small, while each node no longer pays a malloc/free per output: on the
 * session from term counts (~35 nodes), 4-5% off the graph's run (in-process A/B over 2,000 test
 * posts and 40 batches of 64), and the largest valid request's peak resident memory no higher; the
 * session from sums has ten or eleven nodes, and keeps the option for the same reason. Memory
 * patterns stay off: they are planned per input shape and U differs with every request.
 */
export function termCountSessionOptions(base: InferenceSession.SessionOptions): InferenceSession.SessionOptions {
  return { ...base, enableCpuMemArena: true, enableMemPattern: false };
}
