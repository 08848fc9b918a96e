import * as ort from 'onnxruntime-node';
import { ParityError } from '../errors.js';
import { GRAPH_IO } from './exportOnnx.js';

export interface ParityReport {
  posts: number;
  labelMismatches: number;
  maxProbabilityDiff: number;
  firstMismatches: Array<{ index: number; expected: string; actual: string }>;
}

/**
 * Runs the exported graph with onnxruntime over `texts` and compares it with the in-memory model's
 * labels and probabilities. Any label difference, or a probability off by more than `tolerance`,
 * throws a ParityError naming the first mismatches: an artifact that disagrees with what was trained
 * is never written.
 */
export async function checkParity(
  model: Uint8Array,
  texts: readonly string[],
  expectedLabels: readonly string[],
  expectedProbabilities: Float64Array,
  options: { tolerance?: number; batchSize?: number; onProgress?: (done: number) => void } = {},
): Promise<ParityReport> {
  const tolerance = options.tolerance ?? 1e-4;
  const batchSize = options.batchSize ?? 128;
  const session = await ort.InferenceSession.create(model);
  const report: ParityReport = { posts: texts.length, labelMismatches: 0, maxProbabilityDiff: 0, firstMismatches: [] };
  try {
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize);
      const out = await session.run({ [GRAPH_IO.input]: new ort.Tensor('string', batch, [batch.length]) }, [
        GRAPH_IO.label,
        GRAPH_IO.probabilities,
      ]);
      const labels = out[GRAPH_IO.label]?.data as string[];
      const probs = out[GRAPH_IO.probabilities]?.data as Float32Array;
      const C = probs.length / batch.length;
      for (let i = 0; i < batch.length; i++) {
        const index = start + i;
        if (labels[i] !== expectedLabels[index]) {
          report.labelMismatches++;
          if (report.firstMismatches.length < 5) {
            report.firstMismatches.push({ index, expected: expectedLabels[index] as string, actual: labels[i] as string });
          }
        }
        for (let k = 0; k < C; k++) {
          const diff = Math.abs((probs[i * C + k] as number) - (expectedProbabilities[index * C + k] as number));
          if (diff > report.maxProbabilityDiff) report.maxProbabilityDiff = diff;
        }
      }
      options.onProgress?.(Math.min(texts.length, start + batchSize));
    }
  } finally {
    await session.release();
  }
  if (report.labelMismatches > 0 || report.maxProbabilityDiff > tolerance) {
    const first = report.firstMismatches.map((m) => `post ${m.index}: trained ${m.expected}, graph ${m.actual}`).join('; ');
    throw new ParityError(
      `parity gate failed: ${report.labelMismatches}/${texts.length} labels differ, max probability difference ` +
        `${report.maxProbabilityDiff.toExponential(2)} (tolerance ${tolerance})${first ? `; first: ${first}` : ''}`,
    );
  }
  return report;
}
