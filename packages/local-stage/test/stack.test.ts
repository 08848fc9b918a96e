import { describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { StackError, loadStage, startLocalStage } from '../src/index.js';
import { writeStackFixture } from './helpers/stackFixture.js';

const API = '${aws_api_gateway_rest_api.api.id}';
const HANDLER = 'export const handler = async () => ({ statusCode: 200 });';

describe('reading the synthesized stack', () => {
  it('resolves routes, function, alias, keys and plans from Terraform JSON references', async () => {
    const f = writeStackFixture({ handlerSource: HANDLER, reserved: 3, memorySize: 512, timeout: 7, usagePlan: { rate: 10, burst: 10, quota: 100, period: 'DAY' } });
    const m = await loadStage(f.synthDir, f.stackName);
    expect(m.stages).toEqual(['test']);
    expect(m.region).toBe('eu-west-1');
    expect(m.routes.map((r) => `${r.httpMethod} ${r.resourcePath} ${r.apiKeyRequired}`).sort()).toEqual(['GET /model true', 'POST /predict true']);
    const fn = m.functions.get(m.routes[0]!.functionKey)!;
    expect(fn).toMatchObject({ functionName: 'classifier-fixture-fn', memoryMb: 512, timeoutS: 7, reservedConcurrency: 3, version: '1', handler: 'index.handler' });
    expect(fn.invokedArn).toMatch(/:function:classifier-fixture-fn:live$/);
    expect(fn.environment.MODEL_URI).toBe(pathToFileURL(f.modelPath).href);
    expect(m.usagePlans[0]).toMatchObject({ stages: ['test'], throttle: { rateLimit: 10, burstLimit: 10 }, quota: { limit: 100, period: 'DAY' } });
    expect(m.usagePlans[0]!.keyIds).toEqual([m.apiKeys[0]!.id]);
    expect(m.ignored).toEqual(expect.arrayContaining(['aws_iam_role.fn', 'aws_cloudwatch_log_group.fn', 'aws_s3_bucket_versioning.models']));
  });

  it.each([
    [
      'a resource type it cannot emulate',
      { extraResources: { aws_dynamodb_table: { t: { name: 'x' } } } },
      /cannot emulate aws_dynamodb_table\.t/,
    ],
    [
      'an environment reference it cannot resolve',
      { env: { QUEUE: '${aws_sqs_queue.q.url}' } },
      /environment\.variables\.QUEUE: references aws_sqs_queue\.q/,
    ],
    [
      'an attribute known only after apply',
      { env: { ROLE: '${aws_iam_role.fn.unique_id}' } },
      /ROLE: cannot resolve attribute "unique_id" of aws_iam_role\.fn/,
    ],
    [
      'a throttle on one method (only the stage-wide one is emulated)',
      {
        extraResources: {
          aws_api_gateway_method_settings: {
            one: { rest_api_id: API, stage_name: 'test', method_path: 'predict/POST', settings: { throttling_rate_limit: 5, throttling_burst_limit: 5 } },
          },
        },
      },
      /method_settings\.one: a throttle for method path predict\/POST is not emulated/,
    ],
    [
      'per-method throttles in a usage plan',
      {
        extraResources: {
          aws_api_gateway_usage_plan: {
            plan: { name: 'p', api_stages: [{ api_id: API, stage: 'test', throttle: [{ path: '/predict/POST', rate_limit: 5, burst_limit: 5 }] }] },
          },
        },
      },
      /usage_plan\.plan: per-method throttles in api_stages are not emulated/,
    ],
    ['a key source other than the header', { extraResources: { aws_api_gateway_rest_api: { api: { name: 'x', api_key_source: 'AUTHORIZER' } } } }, /api_key_source AUTHORIZER is not emulated/],
  ])('fails at start naming %s', async (_name, options, message) => {
    const f = writeStackFixture({ handlerSource: HANDLER, ...options });
    await expect(startLocalStage({ stack: f.stackName, synthDir: f.synthDir })).rejects.toThrow(message);
    await expect(loadStage(f.synthDir, f.stackName)).rejects.toBeInstanceOf(StackError);
  });

  it('fails naming container-image functions', async () => {
    const f = writeStackFixture({ handlerSource: HANDLER });
    const res = (f.json.resource as any).aws_lambda_function.fn;
    const { writeFileSync } = await import('node:fs');
    res.package_type = 'Image';
    writeFileSync(`${f.stackDir}/cdk.tf.json`, JSON.stringify(f.json));
    await expect(loadStage(f.synthDir, f.stackName)).rejects.toThrow(/aws_lambda_function\.fn: container image/);
  });

  it('names the command that makes a missing stack', async () => {
    await expect(startLocalStage({ stack: 'classifier-nope', synthDir: '/nonexistent' })).rejects.toThrow(/npm run synth/);
  });
});
