import { CloudwatchDashboard } from '@cdktf/provider-aws/lib/cloudwatch-dashboard/index.js';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm/index.js';
import { EcrRepository } from '@cdktf/provider-aws/lib/ecr-repository/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket/index.js';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block/index.js';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { Testing } from 'cdktf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StageConfig, testStage } from '../src/config.js';
import { ModelBucket } from '../src/constructs/ModelBucket.js';
import { MODEL_METRICS, Monitoring, type MonitoringProps } from '../src/constructs/Monitoring.js';
import type { StackInputs } from '../src/inputs.js';
import { type Fixture, hasResource, loadInputs, makeFixture, only, resources, synthStage, type TfJson } from './fixtures.js';

let fixture: Fixture;
let inputs: StackInputs;
beforeAll(async () => {
  fixture = makeFixture();
  inputs = await loadInputs(fixture);
});
afterAll(() => fixture.cleanup());

describe('ModelBucket', () => {
  it('is versioned, private, and uploads the artifact at fixed keys after versioning is on', () => {
    const json = Testing.synthScope((scope) => {
      new ModelBucket(scope, 'models', { namePrefix: 'classifier-test', forceDestroy: true, model: inputs.model });
    });
    expect(hasResource(json, S3Bucket, { bucketPrefix: 'classifier-test-models-', forceDestroy: true })).toBe(true);
    expect(hasResource(json, S3BucketVersioningA, { versioningConfiguration: { status: 'Enabled' } })).toBe(true);
    expect(hasResource(json, S3BucketPublicAccessBlock, { blockPublicAcls: true, restrictPublicBuckets: true })).toBe(true);
    expect(
      hasResource(json, S3Object, { key: 'model/model.onnx', sourceHash: inputs.model.manifest.sha256, contentType: 'application/octet-stream' }),
    ).toBe(true);
    expect(hasResource(json, S3Object, { key: 'model/manifest.json', contentType: 'application/json' })).toBe(true);
    const tf = JSON.parse(json) as TfJson;
    const [versioningId] = only(tf, 'aws_s3_bucket_versioning');
    for (const object of Object.values(resources(tf, 'aws_s3_object'))) {
      expect(object.depends_on).toEqual([`aws_s3_bucket_versioning.${versioningId}`]);
      // The asset path is relative to the stack directory and named by content digest.
      expect(object.source).toMatch(new RegExp(`^assets/[^/]+/${object.source_hash}/(model\\.onnx|manifest\\.json)$`));
    }
  });
});

const monitoringProps = (over: Partial<MonitoringProps> = {}): MonitoringProps => ({
  name: 'classifier-test',
  region: 'us-east-1',
  apiName: 'classifier-test',
  stageName: 'test',
  functionName: 'classifier-test',
  timeoutSeconds: 10,
  reservedConcurrency: 10,
  metricsNamespace: 'Classifier',
  serviceName: 'classifier',
  alarms: { ...testStage.alarms, actions: ['arn:aws:sns:us-east-1:123456789012:oncall'] },
  ...over,
});

describe('Monitoring', () => {
  it('alarms on the golden signals with the configured thresholds', () => {
    const json = Testing.synthScope((scope) => {
      new Monitoring(scope, 'monitoring', monitoringProps());
    });
    const a = testStage.alarms;
    const api = { ApiName: 'classifier-test', Stage: 'test' };
    const fn = { FunctionName: 'classifier-test' };
    const expected: Record<string, unknown>[] = [
      { alarmName: 'classifier-test-api-traffic', namespace: 'AWS/ApiGateway', metricName: 'Count', dimensions: api, statistic: 'Sum', threshold: a.apiRequestsPerPeriod },
      { alarmName: 'classifier-test-api-latency-p99', namespace: 'AWS/ApiGateway', metricName: 'Latency', dimensions: api, extendedStatistic: 'p99', threshold: a.apiLatencyP99Ms },
      { alarmName: 'classifier-test-api-5xx', metricName: '5XXError', dimensions: api, statistic: 'Sum', threshold: a.api5xxCount },
      { alarmName: 'classifier-test-api-4xx-rate', metricName: '4XXError', dimensions: api, statistic: 'Average', threshold: a.api4xxRate },
      { alarmName: 'classifier-test-lambda-errors', namespace: 'AWS/Lambda', metricName: 'Errors', dimensions: fn, statistic: 'Sum' },
      { alarmName: 'classifier-test-lambda-throttles', metricName: 'Throttles', dimensions: fn, statistic: 'Sum' },
      { alarmName: 'classifier-test-lambda-duration', metricName: 'Duration', extendedStatistic: 'p99', threshold: 8000 },
      { alarmName: 'classifier-test-lambda-concurrency', metricName: 'ConcurrentExecutions', statistic: 'Maximum', threshold: 8 },
      { alarmName: 'classifier-test-model-confidence', namespace: 'Classifier', metricName: 'MeanTopProbability', comparisonOperator: 'LessThanThreshold', dimensions: { service: 'classifier' } },
    ];
    for (const props of expected) {
      expect(hasResource(json, CloudwatchMetricAlarm, { ...props, treatMissingData: 'notBreaching', alarmActions: ['arn:aws:sns:us-east-1:123456789012:oncall'] }), JSON.stringify(props)).toBe(true);
    }
    expect(Object.keys(resources(JSON.parse(json) as TfJson, 'aws_cloudwatch_metric_alarm')).length).toBe(expected.length);
  });

  it('has no concurrency alarm without a reservation to compare with', () => {
    const json = Testing.synthScope((scope) => {
      new Monitoring(scope, 'monitoring', monitoringProps({ reservedConcurrency: undefined }));
    });
    expect(hasResource(json, CloudwatchMetricAlarm, { metricName: 'ConcurrentExecutions' })).toBe(false);
    expect(hasResource(json, CloudwatchMetricAlarm, { metricName: 'Throttles' })).toBe(true);
  });

  it('puts golden signals and every model EMF metric on the dashboard', () => {
    const json = Testing.synthScope((scope) => {
      new Monitoring(scope, 'monitoring', monitoringProps());
    });
    expect(hasResource(json, CloudwatchDashboard, { dashboardName: 'classifier-test' })).toBe(true);
    const [, dashboard] = only(JSON.parse(json) as TfJson, 'aws_cloudwatch_dashboard');
    const body = JSON.parse(dashboard.dashboard_body) as { widgets: { properties: { title: string; metrics: unknown[] } }[] };
    const text = JSON.stringify(body);
    // Only this stage's service: stages share the namespace.
    for (const metric of Object.values(MODEL_METRICS)) expect(text).toContain(`Namespace=\\"Classifier\\" MetricName=\\"${metric}\\" service=\\"classifier\\"`);
    for (const metric of ['Count', 'Latency', '4XXError', '5XXError', 'Invocations', 'Errors', 'Throttles', 'Duration', 'ConcurrentExecutions']) {
      expect(text).toContain(`"${metric}"`);
    }
    // Every widget has metrics and a title (CloudWatch rejects a metric widget without metrics).
    for (const w of body.widgets) expect(w.properties.metrics.length).toBeGreaterThan(0);
  });
});

describe('Image package type', () => {
  const imageStage: StageConfig = { ...testStage, function: { ...testStage.function, packageType: 'image', imageTag: 'v1.2.3' } };

  it('creates a scanned, immutable ECR repository and runs the function from its image', () => {
    const { json, tf } = synthStage(imageStage, { model: inputs.model });
    expect(hasResource(json, EcrRepository, { name: 'classifier-test', imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true } })).toBe(true);
    expect(hasResource(json, LambdaFunction, { packageType: 'Image', imageUri: '${aws_ecr_repository.image_repository.repository_url}:v1.2.3' })).toBe(true);
    const [, fn] = only(tf, 'aws_lambda_function');
    for (const zipOnly of ['handler', 'runtime', 's3_key', 's3_bucket', 'source_code_hash']) expect(fn).not.toHaveProperty(zipOnly);
    expect(Object.values(resources(tf, 'aws_s3_object')).map((o) => o.key).sort()).toEqual(['model/manifest.json', 'model/model.onnx']);
    expect(tf.output.image_repository_url?.value).toBe('${aws_ecr_repository.image_repository.repository_url}');
  });

  it('accepts a digest instead of a tag', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const { json } = synthStage({ ...imageStage, function: { ...imageStage.function, imageTag: digest } }, { model: inputs.model });
    expect(hasResource(json, LambdaFunction, { imageUri: `\${aws_ecr_repository.image_repository.repository_url}@${digest}` })).toBe(true);
  });

  it('runs on arm64 when configured', () => {
    const arm: StageConfig = { ...testStage, function: { ...testStage.function, architecture: 'arm64' } };
    expect(hasResource(synthStage(arm, inputs).json, LambdaFunction, { architectures: ['arm64'] })).toBe(true);
  });
});
