import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key/index.js';
import { ApiGatewayDeployment } from '@cdktf/provider-aws/lib/api-gateway-deployment/index.js';
import { ApiGatewayIntegration } from '@cdktf/provider-aws/lib/api-gateway-integration/index.js';
import { ApiGatewayMethod } from '@cdktf/provider-aws/lib/api-gateway-method/index.js';
import { ApiGatewayMethodSettings } from '@cdktf/provider-aws/lib/api-gateway-method-settings/index.js';
import { ApiGatewayResource } from '@cdktf/provider-aws/lib/api-gateway-resource/index.js';
import { ApiGatewayRestApi } from '@cdktf/provider-aws/lib/api-gateway-rest-api/index.js';
import { ApiGatewayStage } from '@cdktf/provider-aws/lib/api-gateway-stage/index.js';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan/index.js';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key/index.js';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission/index.js';
import { LambdaProvisionedConcurrencyConfig } from '@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prodStage, testStage } from '../src/config.js';
import { ACCESS_LOG_FORMAT } from '../src/constructs/KeyedRestApi.js';
import type { StackInputs } from '../src/inputs.js';
import { type Fixture, hasResource, loadInputs, makeFixture, only, resources, type Synthesized, synthStage } from './fixtures.js';

let fixture: Fixture;
let inputs: StackInputs;
let test: Synthesized;
let prod: Synthesized;

beforeAll(async () => {
  fixture = makeFixture();
  inputs = await loadInputs(fixture);
  test = synthStage(testStage, inputs);
  prod = synthStage(prodStage, inputs);
});
afterAll(() => fixture.cleanup());

const ref = (type: string, id: string, attr: string) => `\${${type}.${id}.${attr}}`;

describe('Stage stack: the function', () => {
  it('runs the zip bundle from S3 with the contract handler, runtime and the test stage sizes', () => {
    // Prepare
    const [bundleId, bundle] = Object.entries(resources(test.tf, 'aws_s3_object')).find(([, o]) => String(o.key).startsWith('lambda/'))!;
    // Assess
    expect(
      hasResource(test.json, LambdaFunction, {
        functionName: 'classifier-test',
        packageType: 'Zip',
        handler: 'index.handler',
        runtime: 'nodejs22.x',
        memorySize: 256,
        timeout: 10,
        architectures: ['x86_64'],
        publish: true,
        s3Bucket: ref('aws_s3_object', bundleId, 'bucket'),
        s3Key: ref('aws_s3_object', bundleId, 'key'),
        sourceCodeHash: inputs.lambdaZip!.sha256Base64,
      }),
    ).toBe(true);
    expect(bundle.key).toBe(`lambda/${inputs.lambdaZip!.sha256Hex}.zip`);
    // No reservation in test (a new account cannot spare one); prod reserves its headroom.
    expect(only(test.tf, 'aws_lambda_function')[1].reserved_concurrent_executions).toBe(-1); // the provider's "unreserved"
    expect(only(prod.tf, 'aws_lambda_function')[1].reserved_concurrent_executions).toBe(50);
  });

  it('sets the environment of docs/contracts.md section 2, model URIs pinned to object versions', () => {
    const [, fn] = only(test.tf, 'aws_lambda_function');
    const vars = fn.environment.variables as Record<string, string>;
    const [modelId] = Object.entries(resources(test.tf, 'aws_s3_object')).find(([, o]) => o.key === 'model/model.onnx')!;
    const [manifestId] = Object.entries(resources(test.tf, 'aws_s3_object')).find(([, o]) => o.key === 'model/manifest.json')!;
    const [bucketId] = only(test.tf, 'aws_s3_bucket');
    expect(vars.MODEL_URI).toBe(
      `s3://\${aws_s3_bucket.${bucketId}.bucket}/\${aws_s3_object.${modelId}.key}?versionId=\${urlencode(coalesce(var.model_version_id, aws_s3_object.${modelId}.version_id, "null"))}`,
    );
    expect(vars.MANIFEST_URI).toBe(
      `s3://\${aws_s3_bucket.${bucketId}.bucket}/\${aws_s3_object.${manifestId}.key}?versionId=\${urlencode(coalesce(var.manifest_version_id, aws_s3_object.${manifestId}.version_id, "null"))}`,
    );
    expect(vars).toMatchObject({
      MAX_TEXTS: '256',
      MAX_TEXT_CHARS: '100000',
      MAX_BODY_BYTES: '1048576',
      POWERTOOLS_SERVICE_NAME: 'classifier-test',
      POWERTOOLS_METRICS_NAMESPACE: 'Classifier',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    // Every value is a string: Lambda rejects other JSON types in Variables.
    expect(Object.values(vars).every((v) => typeof v === 'string')).toBe(true);
  });

  it('publishes a version per deploy behind the `live` alias', () => {
    const [fnId] = only(test.tf, 'aws_lambda_function');
    expect(
      hasResource(test.json, LambdaAlias, {
        name: 'live',
        functionName: ref('aws_lambda_function', fnId, 'function_name'),
        functionVersion: ref('aws_lambda_function', fnId, 'version'),
      }),
    ).toBe(true);
  });

  it('has provisioned concurrency on the alias in prod and none in test', () => {
    const [aliasId] = only(prod.tf, 'aws_lambda_alias');
    expect(
      hasResource(prod.json, LambdaProvisionedConcurrencyConfig, {
        qualifier: ref('aws_lambda_alias', aliasId, 'name'),
        provisionedConcurrentExecutions: 2,
      }),
    ).toBe(true);
    expect(resources(test.tf, 'aws_lambda_provisioned_concurrency_config')).toEqual({});
  });

  it('waits for its log group (with retention) and its role policy before it exists', () => {
    const [, fn] = only(test.tf, 'aws_lambda_function');
    const [logId] = Object.entries(resources(test.tf, 'aws_cloudwatch_log_group')).find(([, g]) => g.name === '/aws/lambda/classifier-test')!;
    expect(hasResource(test.json, CloudwatchLogGroup, { name: '/aws/lambda/classifier-test', retentionInDays: 14 })).toBe(true);
    expect(hasResource(prod.json, CloudwatchLogGroup, { name: '/aws/lambda/classifier-prod', retentionInDays: 90 })).toBe(true);
    expect(fn.depends_on).toContain(`aws_cloudwatch_log_group.${logId}`);
    expect((fn.depends_on as string[]).some((d) => d.startsWith('aws_iam_role_policy.'))).toBe(true);
  });
});

describe('Stage stack: the matcher itself', () => {
  it('fails on a property value the stack does not have', () => {
    // Guards every positive assertion above against a matcher that would accept anything.
    expect(hasResource(test.json, LambdaFunction, { memorySize: 257 })).toBe(false);
    expect(hasResource(test.json, LambdaFunction, { environment: { variables: { MAX_TEXTS: '255' } } })).toBe(false);
    expect(hasResource(test.json, LambdaFunction, { memorySize: 256 })).toBe(true);
  });
});

describe('Stage stack: the REST API', () => {
  it('is a regional API taking keys from the x-api-key header', () => {
    expect(
      hasResource(test.json, ApiGatewayRestApi, {
        name: 'classifier-test',
        apiKeySource: 'HEADER',
        endpointConfiguration: { types: ['REGIONAL'] },
      }),
    ).toBe(true);
  });

  it.each([
    ['predict', 'POST'],
    ['model', 'GET'],
  ])('serves /%s %s with a key, proxied to the live alias', (pathPart, method) => {
    const [apiId] = only(test.tf, 'aws_api_gateway_rest_api');
    const [aliasId] = only(test.tf, 'aws_lambda_alias');
    const [resId] = Object.entries(resources(test.tf, 'aws_api_gateway_resource')).find(([, r]) => r.path_part === pathPart)!;
    expect(
      hasResource(test.json, ApiGatewayResource, {
        pathPart,
        parentId: ref('aws_api_gateway_rest_api', apiId, 'root_resource_id'),
        restApiId: ref('aws_api_gateway_rest_api', apiId, 'id'),
      }),
    ).toBe(true);
    expect(
      hasResource(test.json, ApiGatewayMethod, {
        resourceId: ref('aws_api_gateway_resource', resId, 'id'),
        httpMethod: method,
        authorization: 'NONE',
        apiKeyRequired: true,
      }),
    ).toBe(true);
    expect(
      hasResource(test.json, ApiGatewayIntegration, {
        resourceId: ref('aws_api_gateway_resource', resId, 'id'),
        type: 'AWS_PROXY',
        integrationHttpMethod: 'POST',
        uri: ref('aws_lambda_alias', aliasId, 'invoke_arn'),
      }),
    ).toBe(true);
  });

  it('redeploys when any resource, method or integration changes, creating before destroying', () => {
    const [, deployment] = only(test.tf, 'aws_api_gateway_deployment');
    expect(hasResource(test.json, ApiGatewayDeployment, { lifecycle: { createBeforeDestroy: true } })).toBe(true);
    const trigger = deployment.triggers.redeployment as string;
    expect(trigger).toMatch(/^\$\{sha1\(jsonencode\(\[.*\]\)\)\}$/);
    for (const type of ['aws_api_gateway_resource', 'aws_api_gateway_method', 'aws_api_gateway_integration']) {
      for (const id of Object.keys(resources(test.tf, type))) expect(trigger).toContain(`${type}.${id}.id`);
    }
    for (const id of Object.keys(resources(test.tf, 'aws_api_gateway_integration'))) {
      expect(trigger).toContain(`aws_api_gateway_integration.${id}.uri`);
    }
    for (const id of Object.keys(resources(test.tf, 'aws_api_gateway_method'))) {
      expect(trigger).toContain(`aws_api_gateway_method.${id}.api_key_required`);
      expect(trigger).toContain(`aws_api_gateway_method.${id}.request_parameters`);
    }
    // Arguments that are not set today still count: a later change to them must redeploy too.
    for (const id of Object.keys(resources(test.tf, 'aws_api_gateway_integration'))) {
      for (const attr of ['timeout_milliseconds', 'passthrough_behavior', 'content_handling', 'request_parameters', 'request_templates']) {
        expect(trigger).toContain(`aws_api_gateway_integration.${id}.${attr}`);
      }
    }
  });

  it('has a stage with JSON access logs that never include the key value', () => {
    const [logId] = Object.entries(resources(test.tf, 'aws_cloudwatch_log_group')).find(([, g]) => String(g.name).startsWith('/aws/apigateway/'))!;
    expect(
      hasResource(test.json, ApiGatewayStage, {
        stageName: 'test',
        accessLogSettings: { destinationArn: ref('aws_cloudwatch_log_group', logId, 'arn'), format: ACCESS_LOG_FORMAT },
      }),
    ).toBe(true);
    expect(ACCESS_LOG_FORMAT).toContain('$context.identity.apiKeyId');
    expect(ACCESS_LOG_FORMAT).not.toMatch(/\$context\.identity\.apiKey(?!Id)/);
    expect(() => JSON.parse(ACCESS_LOG_FORMAT)).not.toThrow();
  });

  it('throttles every method of the stage, with metrics and without execution logs or data trace', () => {
    const [stageId] = only(test.tf, 'aws_api_gateway_stage');
    expect(
      hasResource(test.json, ApiGatewayMethodSettings, {
        methodPath: '*/*',
        stageName: ref('aws_api_gateway_stage', stageId, 'stage_name'),
        settings: { throttlingBurstLimit: 20, throttlingRateLimit: 20, metricsEnabled: true, loggingLevel: 'OFF', dataTraceEnabled: false },
      }),
    ).toBe(true);
  });

  it('binds an API key to a usage plan with the article limits (burst 10, 10/s, 100 a day) in test', () => {
    const [apiId] = only(test.tf, 'aws_api_gateway_rest_api');
    const [stageId] = only(test.tf, 'aws_api_gateway_stage');
    const [planId] = only(test.tf, 'aws_api_gateway_usage_plan');
    expect(hasResource(test.json, ApiGatewayApiKey, { name: 'classifier-test-key', enabled: true })).toBe(true);
    expect(
      hasResource(test.json, ApiGatewayUsagePlan, {
        apiStages: [{ apiId: ref('aws_api_gateway_rest_api', apiId, 'id'), stage: ref('aws_api_gateway_stage', stageId, 'stage_name') }],
        throttleSettings: { burstLimit: 10, rateLimit: 10 },
        quotaSettings: { limit: 100, period: 'DAY' },
      }),
    ).toBe(true);
    expect(
      hasResource(test.json, ApiGatewayUsagePlanKey, {
        keyId: '${aws_api_gateway_api_key.api_key.id}',
        keyType: 'API_KEY',
        usagePlanId: ref('aws_api_gateway_usage_plan', planId, 'id'),
      }),
    ).toBe(true);
    expect(hasResource(prod.json, ApiGatewayUsagePlan, { quotaSettings: { limit: 1_000_000, period: 'MONTH' } })).toBe(true);
  });

  it('lets API Gateway invoke only the alias, only from this API and stage', () => {
    const [apiId] = only(test.tf, 'aws_api_gateway_rest_api');
    const [aliasId] = only(test.tf, 'aws_lambda_alias');
    expect(
      hasResource(test.json, LambdaPermission, {
        action: 'lambda:InvokeFunction',
        principal: 'apigateway.amazonaws.com',
        qualifier: ref('aws_lambda_alias', aliasId, 'name'),
        sourceArn: `${ref('aws_api_gateway_rest_api', apiId, 'execution_arn')}/test/*/*`,
      }),
    ).toBe(true);
  });

  it('leaves the regional API Gateway logging role to the account stack: no stage sets or owns it', () => {
    for (const stage of [test, prod]) {
      expect(resources(stage.tf, 'aws_api_gateway_account')).toEqual({});
      expect(only(stage.tf, 'aws_api_gateway_stage')[1].depends_on).toBeUndefined();
    }
  });
});

describe('Stage stack: outputs and backend', () => {
  it('outputs the stage URL, the key id, the key value as sensitive, and the model version', () => {
    const [stageId] = only(test.tf, 'aws_api_gateway_stage');
    expect(test.tf.output.invoke_url?.value).toBe(ref('aws_api_gateway_stage', stageId, 'invoke_url'));
    expect(test.tf.output.api_key_id?.value).toBe('${aws_api_gateway_api_key.api_key.id}');
    expect(test.tf.output.api_key_value).toMatchObject({ value: '${aws_api_gateway_api_key.api_key.value}', sensitive: true });
    expect(test.tf.output.model_version?.value).toBe(inputs.model.manifest.version);
    // Only the key-value output is sensitive, and no other output exposes the key's value.
    for (const [name, out] of Object.entries(test.tf.output)) {
      if (name !== 'api_key_value') expect(out.value).not.toContain('api_key.value');
    }
  });

  it('sends every alarm to the stage alarm topic on ALARM and OK, and outputs the topic to subscribe to', () => {
    for (const stage of [test, prod]) {
      const [topicId, topic] = only(stage.tf, 'aws_sns_topic');
      const arn = ref('aws_sns_topic', topicId, 'arn');
      const alarms = Object.values(resources(stage.tf, 'aws_cloudwatch_metric_alarm'));
      expect(alarms.length).toBeGreaterThan(5);
      for (const alarm of alarms) {
        expect(alarm.alarm_actions).toEqual([arn]);
        expect(alarm.ok_actions).toEqual([arn]);
      }
      expect(stage.tf.output.alarm_topic_arn?.value).toBe(arn);
      expect(topic.name).toMatch(/^classifier-(test|prod)-alarms$/);
    }
  });

  it('keeps state in packages/infra by a relative path (no absolute path in the stack)', () => {
    expect(test.tf.terraform.backend).toEqual({ local: { path: '../../../terraform.classifier-test.tfstate' } });
    expect(test.json).not.toContain(fixture.root);
  });

  it('pins the AWS provider version and tags every resource by default', () => {
    expect(test.tf.terraform.required_providers.aws.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(test.tf.provider.aws[0]).toMatchObject({
      region: 'us-east-1',
      default_tags: [{ tags: { project: 'classifier', stage: 'test', 'managed-by': 'cdktf' } }],
    });
  });
});

describe('Stage stacks: snapshots', () => {
  it('test stage', () => {
    expect(test.json).toMatchSnapshot();
  });
  it('prod stage', () => {
    expect(prod.json).toMatchSnapshot();
  });
});
