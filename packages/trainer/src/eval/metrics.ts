import type { Metrics } from '@org/classifier-artifact';

/** Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix (rows: truth). */
export function evaluate(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: readonly string[]): Metrics {
  const K = labels.length;
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] as number) + 1;
    if (t === p) correct++;
  }
  const perClass = labels.map((label, k) => {
    const tp = (confusion[k] as number[])[k] as number;
    const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + (row[k] as number), 0);
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  return {
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: perClass.reduce((a, c) => a + c.f1, 0) / K,
    perClass,
    confusion,
    testPosts: truth.length,
  };
}
