import { describe, expect, it } from 'vitest';
import { dimensionValue, EmfMetrics } from '../src/observability/metrics.js';

describe('Class: EmfMetrics', () => {
  it('writes per-label documents whose label values CloudWatch accepts, whatever the labels', () => {
    const lines: string[] = [];
    const metrics = new EmfMetrics({ namespace: 'Classifier', service: 'classifier-test', write: (out) => lines.push(...out.trimEnd().split('\n')) });
    metrics.record({ latencyMs: 1.5, batchSize: 4, labels: ['négatif', 'спорт', '  ', 'négatif'], meanTopProbability: 0.9 });
    const docs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const perLabel = docs.filter((d) => 'label' in d);
    expect(perLabel.map((d) => [d.label, d.Predictions])).toEqual([
      ['n\\u{e9}gatif', 2],
      ['\\u{441}\\u{43f}\\u{43e}\\u{440}\\u{442}', 1],
      ['\\u{20}\\u{20}', 1],
    ]);
    for (const d of perLabel) expect(d.label).toMatch(/^[\x20-\x7e]*[^\s][\x20-\x7e]*$/);
  });
});

describe('Function: dimensionValue', () => {
  it('keeps printable ASCII as it is and cuts at the 1,024 characters CloudWatch allows', () => {
    expect(dimensionValue('sci.space')).toBe('sci.space');
    expect(dimensionValue('x'.repeat(2000))).toHaveLength(1024);
    expect(dimensionValue('tab\there')).toBe('tab\\u{9}here');
  });
});
