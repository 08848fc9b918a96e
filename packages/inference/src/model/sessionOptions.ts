import type { InferenceSession } from 'onnxruntime-node';

/**
 * Session options for a 1-2 vCPU Lambda (256 MB gives a fraction of one vCPU):
 * - one intra-op thread: the graph is many small ops; a thread pool only adds wake-up latency and,
 *   on a fractional vCPU, contention (measured in bench/handler.bench.ts);
 * - sequential execution, no inter-op pool, for the same reason;
 * - full graph optimisation: done once at session creation, which the init budget affords;
 * - no CPU memory arena and no memory-pattern planning: the Tokenizer output's shape changes with
 *   every batch, so an arena only keeps the peak of the largest batch resident forever (RSS grows
 *   with the longest post seen) while saving little allocation time.
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
