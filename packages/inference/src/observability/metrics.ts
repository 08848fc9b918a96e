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

const MAIN_METRICS = JSON.stringify([
  { Name: 'Latency', Unit: 'Milliseconds' },
  { Name: 'BatchSize', Unit: 'Count' },
  { Name: 'MeanTopProbability', Unit: 'None' },
]);
const MAIN_METRICS_OOV = `${MAIN_METRICS.slice(0, -1)},{"Name":"OovTokenRate","Unit":"None"}]`;

/** JSON has no NaN/Infinity: a non-finite value would make the whole document unparseable. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

export class EmfMetrics {
  private readonly namespace: string;
  private readonly service: string;
  private readonly write: (line: string) => void;
  readonly disabled: boolean;
  private readonly ns: string;
  private readonly svc: string;

  constructor(options: MetricsOptions) {
    this.namespace = options.namespace;
    this.service = options.service;
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.disabled = options.disabled ?? false;
    this.ns = JSON.stringify(this.namespace);
    this.svc = JSON.stringify(this.service);
  }

  /** Per-label document tails (everything after the timestamp), built once per label seen. */
  private readonly labelTails = new Map<string, string>();

  /**
   * One document for the request's metrics, one per distinct predicted label. The constant parts of
   * each document are built once; per request only numbers are formatted (this runs on every request).
   */
  record(m: RequestMetrics): void {
    if (this.disabled) return;
    const ts = Date.now();
    const hasOov = m.oovRate !== undefined;
    let out = `{"_aws":{"Timestamp":${ts},"CloudWatchMetrics":[{"Namespace":${this.ns},"Dimensions":[["service"]],"Metrics":${hasOov ? MAIN_METRICS_OOV : MAIN_METRICS}}]},"service":${this.svc},"Latency":${Math.round(m.latencyMs * 1000) / 1000},"BatchSize":${m.batchSize},"MeanTopProbability":${finite(m.meanTopProbability)}${hasOov ? `,"OovTokenRate":${finite(m.oovRate as number)}` : ''}}\n`;
    if (m.labels.length === 1) {
      out += `{"_aws":{"Timestamp":${ts}${this.labelTail(m.labels[0] as string)}1}\n`;
    } else {
      const counts = new Map<string, number>();
      for (const label of m.labels) counts.set(label, (counts.get(label) ?? 0) + 1);
      for (const [label, count] of counts) out += `{"_aws":{"Timestamp":${ts}${this.labelTail(label)}${count}}\n`;
    }
    // One write per request: one syscall, and lines of one request never interleave.
    this.write(out);
  }

  private labelTail(label: string): string {
    let tail = this.labelTails.get(label);
    if (tail === undefined) {
      tail = `,"CloudWatchMetrics":[{"Namespace":${this.ns},"Dimensions":[["service","label"]],"Metrics":[{"Name":"Predictions","Unit":"Count"}]}]},"service":${this.svc},"label":${JSON.stringify(dimensionValue(label))},"Predictions":`;
      this.labelTails.set(label, tail);
    }
    return tail;
  }
}

/** CloudWatch's longest dimension value. */
const MAX_DIMENSION_VALUE = 1024;

/**
 * A label as a dimension value CloudWatch accepts: printable ASCII with some non-space character, at
 * most 1,024 characters. It rejects other values, and with them the whole EMF document, so a model
 * with labels such as "négatif" or "спорт" would lose its per-label counts without a word. Other
 * characters are written as \u{...}, which keeps distinct labels distinct and readable.
 */
export function dimensionValue(label: string): string {
  const escaped = (ch: string) => `\\u{${(ch.codePointAt(0) as number).toString(16)}}`;
  const printable = (ch: string) => ch >= ' ' && ch <= '~';
  let value = [...label].map((ch) => (printable(ch) ? ch : escaped(ch))).join('');
  // Blank (spaces only, or empty): every character escaped, so the value has a non-space character.
  if (value.trim() === '') value = [...label].map(escaped).join('') || '\\u{}';
  return value.length > MAX_DIMENSION_VALUE ? value.slice(0, MAX_DIMENSION_VALUE) : value;
}
