import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { zipSync, strToU8 } from 'fflate';

export interface RouteSpec {
  readonly path: string;
  readonly method: string;
  readonly apiKeyRequired?: boolean;
}

export interface FixtureOptions {
  readonly stackName?: string;
  readonly stageName?: string;
  /** index.mjs of the function package. */
  readonly handlerSource: string;
  /** @default 'nodejs22.x' */
  readonly runtime?: string;
  readonly memorySize?: number;
  readonly timeout?: number;
  readonly reserved?: number;
  readonly integrationTimeoutMs?: number;
  readonly usagePlan?: { rate?: number; burst?: number; quota?: number; period?: string };
  readonly methodThrottle?: { rate: number; burst: number };
  readonly env?: Record<string, string>;
  readonly routes?: readonly RouteSpec[];
  readonly extraResources?: Record<string, Record<string, unknown>>;
  readonly binaryMediaTypes?: readonly string[];
  /** Package the code as a directory instead of a zip. */
  readonly asDirectory?: boolean;
}

export interface Fixture {
  readonly synthDir: string;
  readonly stackName: string;
  readonly stackDir: string;
  readonly modelPath: string;
  readonly json: Record<string, unknown>;
}

const API = '${aws_api_gateway_rest_api.api.id}';

/**
 * Writes `<tmp>/stacks/<name>/cdk.tf.json` in the shape `cdktf synth` emits for the infra package
 * (docs/contracts.md section 3: assets copied under the stack dir, references as `${type.name.attr}`),
 * plus a real function package and a model object.
 */
export function writeStackFixture(o: FixtureOptions): Fixture {
  const stackName = o.stackName ?? 'classifier-fixture';
  const stage = o.stageName ?? 'test';
  const synthDir = mkdtempSync(join(tmpdir(), 'local-stage-fixture-'));
  const stackDir = join(synthDir, 'stacks', stackName);
  const put = (rel: string, data: string | Uint8Array) => {
    mkdirSync(dirname(join(stackDir, rel)), { recursive: true });
    writeFileSync(join(stackDir, rel), data);
  };
  const codeRel = o.asDirectory ? 'assets/lambda/CODE' : 'assets/lambda/ZIPHASH/lambda.zip';
  if (o.asDirectory) put(`${codeRel}/index.mjs`, o.handlerSource);
  else put(codeRel, zipSync({ 'index.mjs': strToU8(o.handlerSource) }));
  put('assets/model/MODELHASH/model.onnx', 'not really onnx');
  put('assets/model/MODELHASH/manifest.json', '{}');

  const routes = o.routes ?? [
    { path: '/predict', method: 'POST', apiKeyRequired: true },
    { path: '/model', method: 'GET', apiKeyRequired: true },
  ];
  const resources: Record<string, unknown> = {};
  const methods: Record<string, unknown> = {};
  const integrations: Record<string, unknown> = {};
  const resourceIdOf = new Map<string, string>([['/', '${aws_api_gateway_rest_api.api.root_resource_id}']]);
  for (const r of routes) {
    let parentPath = '/';
    for (const part of r.path.split('/').filter(Boolean)) {
      const p = parentPath === '/' ? `/${part}` : `${parentPath}/${part}`;
      if (!resourceIdOf.has(p)) {
        const id = `res_${p.replace(/[^a-z0-9]/gi, '_')}`;
        resources[id] = { rest_api_id: API, parent_id: resourceIdOf.get(parentPath), path_part: part };
        resourceIdOf.set(p, `\${aws_api_gateway_resource.${id}.id}`);
      }
      parentPath = p;
    }
    const mid = `m_${r.method}_${r.path.replace(/[^a-z0-9]/gi, '_')}`;
    methods[mid] = {
      rest_api_id: API,
      resource_id: resourceIdOf.get(parentPath),
      http_method: r.method,
      authorization: 'NONE',
      api_key_required: r.apiKeyRequired ?? false,
    };
    integrations[mid] = {
      rest_api_id: API,
      resource_id: resourceIdOf.get(parentPath),
      http_method: `\${aws_api_gateway_method.${mid}.http_method}`,
      integration_http_method: 'POST',
      type: 'AWS_PROXY',
      uri: '${aws_lambda_alias.live.invoke_arn}',
      ...(o.integrationTimeoutMs ? { timeout_milliseconds: o.integrationTimeoutMs } : {}),
    };
  }

  const plan = o.usagePlan ?? { rate: 1000, burst: 1000, quota: 100000, period: 'DAY' };
  const json = {
    '//': { metadata: { backend: 'local', stackName, version: '0.21.0' } },
    provider: { aws: [{ region: 'eu-west-1', default_tags: [{ tags: { project: 'classifier' } }] }] },
    terraform: { required_providers: { aws: { source: 'aws', version: '6.0.0' } } },
    resource: {
      aws_s3_bucket: { models: { bucket_prefix: 'classifier-models-', '//': { metadata: { path: 'x' } } } },
      aws_s3_bucket_versioning: { models: { bucket: '${aws_s3_bucket.models.id}', versioning_configuration: { status: 'Enabled' } } },
      aws_s3_object: {
        lambda_zip: { bucket: '${aws_s3_bucket.models.bucket}', key: 'lambda/ZIPHASH.zip', source: codeRel },
        model_onnx: { bucket: '${aws_s3_bucket.models.bucket}', key: 'models/MODELHASH/model.onnx', source: 'assets/model/MODELHASH/model.onnx' },
        manifest: { bucket: '${aws_s3_bucket.models.bucket}', key: 'models/MODELHASH/manifest.json', source: 'assets/model/MODELHASH/manifest.json' },
      },
      aws_iam_role: { fn: { assume_role_policy: '{}', name: 'fn-role' } },
      aws_cloudwatch_log_group: { fn: { name: '/aws/lambda/classifier-fixture-fn', retention_in_days: 14 } },
      aws_lambda_function: {
        fn: {
          function_name: 'classifier-fixture-fn',
          role: '${aws_iam_role.fn.arn}',
          handler: 'index.handler',
          runtime: o.runtime ?? 'nodejs22.x',
          memory_size: o.memorySize ?? 256,
          timeout: o.timeout ?? 10,
          publish: true,
          architectures: ['x86_64'],
          s3_bucket: '${aws_s3_bucket.models.bucket}',
          s3_key: '${aws_s3_object.lambda_zip.key}',
          ...(o.reserved !== undefined ? { reserved_concurrent_executions: o.reserved } : {}),
          environment: {
            variables: {
              MODEL_URI:
                's3://${aws_s3_object.model_onnx.bucket}/${aws_s3_object.model_onnx.key}?versionId=${aws_s3_object.model_onnx.version_id}',
              MANIFEST_URI: 's3://${aws_s3_object.manifest.bucket}/${aws_s3_object.manifest.key}?versionId=${aws_s3_object.manifest.version_id}',
              MAX_TEXTS: '256',
              ...(o.env ?? {}),
            },
          },
          depends_on: ['aws_cloudwatch_log_group.fn'],
        },
      },
      aws_lambda_alias: {
        live: { name: 'live', function_name: '${aws_lambda_function.fn.function_name}', function_version: '${aws_lambda_function.fn.version}' },
      },
      aws_lambda_permission: {
        apigw: {
          action: 'lambda:InvokeFunction',
          function_name: '${aws_lambda_function.fn.function_name}',
          qualifier: '${aws_lambda_alias.live.name}',
          principal: 'apigateway.amazonaws.com',
          source_arn: '${aws_api_gateway_rest_api.api.execution_arn}/*/*',
        },
      },
      aws_api_gateway_rest_api: {
        api: { name: stackName, ...(o.binaryMediaTypes ? { binary_media_types: o.binaryMediaTypes } : {}) },
      },
      ...(Object.keys(resources).length ? { aws_api_gateway_resource: resources } : {}),
      aws_api_gateway_method: methods,
      aws_api_gateway_integration: integrations,
      aws_api_gateway_deployment: {
        d: {
          rest_api_id: API,
          triggers: { redeployment: '${sha1(jsonencode([aws_api_gateway_method.x.id]))}' },
          lifecycle: { create_before_destroy: true },
        },
      },
      aws_api_gateway_stage: {
        stage: { rest_api_id: API, deployment_id: '${aws_api_gateway_deployment.d.id}', stage_name: stage },
      },
      ...(o.methodThrottle
        ? {
            aws_api_gateway_method_settings: {
              all: {
                rest_api_id: API,
                stage_name: '${aws_api_gateway_stage.stage.stage_name}',
                method_path: '*/*',
                settings: { throttling_burst_limit: o.methodThrottle.burst, throttling_rate_limit: o.methodThrottle.rate, metrics_enabled: true },
              },
            },
          }
        : {}),
      aws_api_gateway_api_key: { key: { name: `${stackName}-key`, enabled: true } },
      aws_api_gateway_usage_plan: {
        plan: {
          name: `${stackName}-plan`,
          api_stages: [{ api_id: API, stage: '${aws_api_gateway_stage.stage.stage_name}' }],
          ...(plan.rate !== undefined || plan.burst !== undefined
            ? { throttle_settings: { ...(plan.burst !== undefined ? { burst_limit: plan.burst } : {}), ...(plan.rate !== undefined ? { rate_limit: plan.rate } : {}) } }
            : {}),
          ...(plan.quota !== undefined ? { quota_settings: { limit: plan.quota, period: plan.period ?? 'DAY' } } : {}),
        },
      },
      aws_api_gateway_usage_plan_key: {
        k: { key_id: '${aws_api_gateway_api_key.key.id}', key_type: 'API_KEY', usage_plan_id: '${aws_api_gateway_usage_plan.plan.id}' },
      },
      ...(o.extraResources ?? {}),
    },
  };
  put('cdk.tf.json', JSON.stringify(json, null, 2));
  return { synthDir, stackName, stackDir, modelPath: join(stackDir, 'assets/model/MODELHASH/model.onnx'), json };
}

/** A handler whose behaviour is chosen per request with `?do=...` (the tests' Lambda). */
export const BEHAVIOUR_HANDLER = String.raw`
let count = 0;
const started = Date.now();
const hold = [];
export const handler = async (event, context) => {
  count++;
  const q = event.queryStringParameters ?? {};
  switch (q.do) {
    case 'throw': throw new TypeError('boom');
    case 'sleep': await new Promise((r) => setTimeout(r, Number(q.ms ?? 100))); break;
    case 'exit': process.exit(3);
    case 'async-throw': setImmediate(() => { throw new Error('async boom'); }); await new Promise((r) => setTimeout(r, 1000)); break;
    case 'alloc': {
      const mb = Number(q.mb ?? 10);
      // 8 MB steps: past the memory size well inside the function's 1 s timeout even on a loaded
      // machine (1 MB steps took over a second in CI and timed out instead of hitting the limit).
      for (let i = 0; i < mb; i += 8) { hold.push(Buffer.alloc(8 * 1024 * 1024, 1)); await new Promise((r) => setImmediate(r)); }
      break;
    }
    case 'heap': { const a = []; for (;;) a.push({ x: Math.random(), y: 'y'.repeat(64) }); }
    case 'respond': return JSON.parse(event.body);
    case 'big': return { statusCode: 200, body: 'x'.repeat(Number(q.mb ?? 7) * 1024 * 1024) };
    // A result whose JSON is exactly q.bytes long: {"statusCode":200,"body":""} is 28 bytes.
    case 'size': return { statusCode: 200, body: 'x'.repeat(Number(q.bytes) - 28) };
    case 'log': console.log('hello from the handler', { n: 1 }); break;
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event,
      context: {
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        remaining: context.getRemainingTimeInMillis(),
      },
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_'))),
      pid: process.pid,
      count,
      tz: new Date(0).toString(),
    }),
  };
};
`;
