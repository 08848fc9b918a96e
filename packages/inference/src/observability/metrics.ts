/**
 * CloudWatch embedded metric format (EMF), written by hand rather than with Powertools Metrics:
 * "predictions per label" needs a `label` dimension whose value differs within one batch, and one EMF
 * document carries one value per dimension, so Powertools would need a `singleMetric()` instance
 * (and a flush) per label; a few template-built lines are cheaper on the hot path and easy to read.
 * Spec: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
export interface RequestMetrics {
  latencyMs: number;
  batchSize: number;
  /** Predicted label of each text. */
  labels: readonly string[];
  /** Mean of the predicted labels' probabilities (a cheap confidence/drift signal). */
  meanTopProbability: number;
  /** Share of out-of-vocabulary tokens, when the model exposes it. */
  oovRate?: number;
}

export interface MetricsOptions {
  namespace: string;
  service: string;
  /** Where EMF lines go; Lambda ships stdout to CloudWatch Logs, which extracts the metrics. */
  write?: (line: string) => void;
  disabled?: boolean;
}

export class EmfMetrics {
  private readonly namespace: string;
  private readonly service: string;
  private readonly write: (line: string) => void;
  readonly disabled: boolean;

  constructor(options: MetricsOptions) {
    this.namespace = options.namespace;
    this.service = options.service;
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.disabled = options.disabled ?? false;
  }

  /** One document for the request's metrics, one per distinct predicted label. */
  record(m: RequestMetrics): void {
    if (this.disabled) return;
    const timestamp = Date.now();
    const metrics = [
      { Name: 'Latency', Unit: 'Milliseconds' },
      { Name: 'BatchSize', Unit: 'Count' },
      { Name: 'MeanTopProbability', Unit: 'None' },
    ];
    const values: Record<string, number> = {
      Latency: Math.round(m.latencyMs * 1000) / 1000,
      BatchSize: m.batchSize,
      MeanTopProbability: m.meanTopProbability,
    };
    if (m.oovRate !== undefined) {
      metrics.push({ Name: 'OovTokenRate', Unit: 'None' });
      values.OovTokenRate = m.oovRate;
    }
    let out = `${JSON.stringify({
      _aws: { Timestamp: timestamp, CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [['service']], Metrics: metrics }] },
      service: this.service,
      ...values,
    })}\n`;
    const counts = new Map<string, number>();
    for (const label of m.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
    for (const [label, count] of counts) {
      out += `${JSON.stringify({
        _aws: {
          Timestamp: timestamp,
          CloudWatchMetrics: [{ Namespace: this.namespace, Dimensions: [['service', 'label']], Metrics: [{ Name: 'Predictions', Unit: 'Count' }] }],
        },
        service: this.service,
        label,
        Predictions: count,
      })}\n`;
    }
    // One write per request: one syscall, and lines of one request never interleave.
    this.write(out);
  }
}
