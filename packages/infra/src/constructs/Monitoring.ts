import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { Construct } from 'constructs';
import type { AlarmConfig } from '../config.js';

/** Metric names the inference handler emits in embedded metric format (SPEC.md section 6). */
export const MODEL_METRICS = {
  latency: 'Latency',
  batchSize: 'BatchSize',
  /** Count per prediction, dimension `label`. */
  predictions: 'Predictions',
  meanTopProbability: 'MeanTopProbability',
  oovTokenRate: 'OovTokenRate',
} as const;

export interface MonitoringProps {
  /** Prefix of alarm and dashboard names. */
  name: string;
  region: string;
  apiName: string;
  stageName: string;
  functionName: string;
  timeoutSeconds: number;
  reservedConcurrency: number | undefined;
  /** EMF namespace and the Powertools `service` dimension the handler adds to every metric. */
  metricsNamespace: string;
  serviceName: string;
  alarms: AlarmConfig;
}

type Comparison = 'GreaterThanThreshold' | 'GreaterThanOrEqualToThreshold' | 'LessThanThreshold';

interface AlarmSpec {
  id: string;
  description: string;
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  statistic?: 'Sum' | 'Average' | 'Maximum';
  extendedStatistic?: string;
  comparison: Comparison;
  threshold: number;
}

/**
 * Alarms on the golden signals (latency, traffic, errors, saturation) of the API stage and the function,
 * one on the model's confidence, and a dashboard with all of them plus the model's own EMF metrics.
 */
export class Monitoring extends Construct {
  readonly alarms: CloudwatchMetricAlarm[] = [];
  readonly dashboard: CloudwatchDashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const a = props.alarms;
    // API Gateway REST metrics are published per ApiName + Stage (API Gateway developer guide, "Amazon API
    // Gateway dimensions"); Lambda's per FunctionName, across versions and aliases.
    const api = { ApiName: props.apiName, Stage: props.stageName };
    const fn = { FunctionName: props.functionName };
    const timeoutMs = props.timeoutSeconds * 1000;

    const specs: AlarmSpec[] = [
      {
        id: 'api-traffic',
        description: `More than ${a.apiRequestsPerPeriod} requests in ${a.periodSeconds} s`,
        namespace: 'AWS/ApiGateway',
        metricName: 'Count',
        dimensions: api,
        statistic: 'Sum',
        comparison: 'GreaterThanThreshold',
        threshold: a.apiRequestsPerPeriod,
      },
      {
        id: 'api-latency-p99',
        description: `API p99 latency above ${a.apiLatencyP99Ms} ms`,
        namespace: 'AWS/ApiGateway',
        metricName: 'Latency',
        dimensions: api,
        extendedStatistic: 'p99',
        comparison: 'GreaterThanThreshold',
        threshold: a.apiLatencyP99Ms,
      },
      {
        id: 'api-5xx',
        description: 'API answered 5xx (Lambda errors, malformed results, 29 s integration timeouts)',
        namespace: 'AWS/ApiGateway',
        metricName: '5XXError',
        dimensions: api,
        statistic: 'Sum',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: a.api5xxCount,
      },
      {
        // The Average of 4XXError is the fraction of requests answered 4xx (API Gateway metrics reference).
        id: 'api-4xx-rate',
        description: `More than ${a.api4xxRate * 100}% of requests answered 4xx (bad keys, throttling, quota, bad input)`,
        namespace: 'AWS/ApiGateway',
        metricName: '4XXError',
        dimensions: api,
        statistic: 'Average',
        comparison: 'GreaterThanThreshold',
        threshold: a.api4xxRate,
      },
      {
        id: 'lambda-errors',
        description: 'Function errors (failed init, unhandled exceptions, timeouts)',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: fn,
        statistic: 'Sum',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: a.lambdaErrors,
      },
      {
        id: 'lambda-throttles',
        description: 'Invocations throttled at the concurrency limit',
        namespace: 'AWS/Lambda',
        metricName: 'Throttles',
        dimensions: fn,
        statistic: 'Sum',
        comparison: 'GreaterThanOrEqualToThreshold',
        threshold: a.lambdaThrottles,
      },
      {
        id: 'lambda-duration',
        description: `Function p99 duration above ${a.durationFractionOfTimeout * 100}% of its ${props.timeoutSeconds} s timeout`,
        namespace: 'AWS/Lambda',
        metricName: 'Duration',
        dimensions: fn,
        extendedStatistic: 'p99',
        comparison: 'GreaterThanThreshold',
        threshold: Math.round(timeoutMs * a.durationFractionOfTimeout),
      },
      {
        id: 'model-confidence',
        description: `Mean top-class probability below ${a.minMeanTopProbability}: inputs may have drifted from the training data`,
        namespace: props.metricsNamespace,
        metricName: MODEL_METRICS.meanTopProbability,
        dimensions: { service: props.serviceName },
        statistic: 'Average',
        comparison: 'LessThanThreshold',
        threshold: a.minMeanTopProbability,
      },
    ];
    if (props.reservedConcurrency !== undefined) {
      // Saturation is relative to the reservation; without one the account limit applies and is not known here.
      specs.push({
        id: 'lambda-concurrency',
        description: `Concurrency above ${a.concurrencyFractionOfReserved * 100}% of the ${props.reservedConcurrency} reserved`,
        namespace: 'AWS/Lambda',
        metricName: 'ConcurrentExecutions',
        dimensions: fn,
        statistic: 'Maximum',
        comparison: 'GreaterThanThreshold',
        threshold: Math.max(1, Math.floor(props.reservedConcurrency * a.concurrencyFractionOfReserved)),
      });
    }

    for (const spec of specs) {
      this.alarms.push(
        new CloudwatchMetricAlarm(this, spec.id, {
          alarmName: `${props.name}-${spec.id}`,
          alarmDescription: spec.description,
          namespace: spec.namespace,
          metricName: spec.metricName,
          dimensions: spec.dimensions,
          ...(spec.extendedStatistic ? { extendedStatistic: spec.extendedStatistic } : { statistic: spec.statistic ?? 'Sum' }),
          period: a.periodSeconds,
          evaluationPeriods: a.evaluationPeriods,
          threshold: spec.threshold,
          comparisonOperator: spec.comparison,
          // No traffic is not an incident on a stage that may sit idle (and a p99 of nothing is missing data).
          treatMissingData: 'notBreaching',
          alarmActions: a.actions,
          okActions: a.actions,
        }),
      );
    }

    this.dashboard = new CloudwatchDashboard(this, 'dashboard', {
      dashboardName: props.name,
      dashboardBody: JSON.stringify(dashboardBody(props)),
    });
  }
}

/** The dashboard: golden signals of API and function, then the model's own metrics. */
export function dashboardBody(props: MonitoringProps): { widgets: unknown[] } {
  const { region, apiName, stageName, functionName, metricsNamespace: ns, serviceName, alarms } = props;
  const period = alarms.periodSeconds;
  const apiDims = ['ApiName', apiName, 'Stage', stageName];
  const fnDims = ['FunctionName', functionName];
  // SEARCH matches the metric whatever further dimension the handler attaches (label, ...), for this
  // stage's service only: other stages write to the same namespace.
  const emf = (metric: string, stat: string) => [
    [{ expression: `SEARCH('Namespace="${ns}" MetricName="${metric}" service="${serviceName}"', '${stat}', ${period})`, label: metric, id: `e${metric.toLowerCase()}` }],
  ];
  const widget = (title: string, metrics: unknown[], x: number, y: number, extra: Record<string, unknown> = {}) => ({
    type: 'metric',
    x,
    y,
    width: 8,
    height: 6,
    properties: { title, region, period, view: 'timeSeries', stacked: false, metrics, ...extra },
  });
  return {
    widgets: [
      widget('Traffic: API requests', [['AWS/ApiGateway', 'Count', ...apiDims, { stat: 'Sum' }]], 0, 0),
      widget(
        'Latency: API p50 / p99 (ms)',
        [
          ['AWS/ApiGateway', 'Latency', ...apiDims, { stat: 'p50' }],
          ['...', { stat: 'p99' }],
          ['AWS/ApiGateway', 'IntegrationLatency', ...apiDims, { stat: 'p99' }],
        ],
        8,
        0,
      ),
      widget(
        'Errors: API 4xx / 5xx',
        [
          ['AWS/ApiGateway', '4XXError', ...apiDims, { stat: 'Sum' }],
          ['AWS/ApiGateway', '5XXError', ...apiDims, { stat: 'Sum' }],
        ],
        16,
        0,
      ),
      widget(
        'Function: invocations, errors, throttles',
        [
          ['AWS/Lambda', 'Invocations', ...fnDims, { stat: 'Sum' }],
          ['AWS/Lambda', 'Errors', ...fnDims, { stat: 'Sum' }],
          ['AWS/Lambda', 'Throttles', ...fnDims, { stat: 'Sum' }],
        ],
        0,
        6,
      ),
      widget(
        'Function: duration p50 / p99 (ms)',
        [
          ['AWS/Lambda', 'Duration', ...fnDims, { stat: 'p50' }],
          ['...', { stat: 'p99' }],
        ],
        8,
        6,
        { annotations: { horizontal: [{ label: 'timeout', value: props.timeoutSeconds * 1000 }] } },
      ),
      widget(
        'Saturation: concurrent executions',
        [['AWS/Lambda', 'ConcurrentExecutions', ...fnDims, { stat: 'Maximum' }]],
        16,
        6,
        props.reservedConcurrency !== undefined
          ? { annotations: { horizontal: [{ label: 'reserved', value: props.reservedConcurrency }] } }
          : {},
      ),
      widget('Model: predictions per label', emf(MODEL_METRICS.predictions, 'Sum'), 0, 12, { stacked: true }),
      widget('Model: mean top probability (confidence)', emf(MODEL_METRICS.meanTopProbability, 'Average'), 8, 12),
      widget('Model: out-of-vocabulary token rate', emf(MODEL_METRICS.oovTokenRate, 'Average'), 16, 12),
      widget('Model: handler latency p99 (ms)', emf(MODEL_METRICS.latency, 'p99'), 0, 18),
      widget('Model: batch size', emf(MODEL_METRICS.batchSize, 'Average'), 8, 18),
    ],
  };
}
