import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prodStage, testStage } from '../src/config.js';
import { PUSH_TO_CLOUDWATCH_POLICY_ARN } from '../src/constructs/ApiGatewayLogsRole.js';
import { type Fixture, loadInputs, makeFixture, only, resources, type Synthesized, synthStage, type TfJson } from './fixtures.js';

/**
 * Policy checks over the synthesized Terraform JSON of both stages: they hold for the whole stack, whatever
 * construct a future change adds a resource in.
 */
let fixture: Fixture;
const stages: Record<string, Synthesized> = {};

beforeAll(async () => {
  fixture = makeFixture();
  const inputs = await loadInputs(fixture);
  stages.test = synthStage(testStage, inputs);
  stages.prod = synthStage(prodStage, inputs);
});
afterAll(() => fixture.cleanup());

interface Statement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: unknown;
}
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const statements = (policy: string): Statement[] => list((JSON.parse(policy) as { Statement: Statement | Statement[] }).Statement);

/** Resource types docs/contracts.md section 3 lists, plus the monitoring/IAM/logs/ECR ones the local stage ignores. */
const CONTRACT_TYPES = new Set([
  'aws_s3_bucket',
  'aws_s3_bucket_versioning',
  'aws_s3_bucket_server_side_encryption_configuration',
  'aws_s3_bucket_public_access_block',
  'aws_s3_bucket_policy',
  'aws_s3_object',
  'aws_lambda_function',
  'aws_lambda_alias',
  'aws_lambda_permission',
  'aws_api_gateway_rest_api',
  'aws_api_gateway_resource',
  'aws_api_gateway_method',
  'aws_api_gateway_integration',
  'aws_api_gateway_deployment',
  'aws_api_gateway_stage',
  'aws_api_gateway_method_settings',
  'aws_api_gateway_api_key',
  'aws_api_gateway_usage_plan',
  'aws_api_gateway_usage_plan_key',
]);
const IGNORABLE_TYPE = /^aws_(cloudwatch_|iam_|ecr_|sns_)|^aws_api_gateway_account$|^aws_lambda_provisioned_concurrency_config$/;

describe.each(['test', 'prod'])('Policy: %s stage', (stage) => {
  let tf: TfJson;
  beforeAll(() => {
    tf = stages[stage]!.tf;
  });

  it('uses only resource types the local stage emulates or ignores', () => {
    const unknown = Object.keys(tf.resource).filter((t) => !CONTRACT_TYPES.has(t) && !IGNORABLE_TYPE.test(t));
    expect(unknown).toEqual([]);
    expect(tf).not.toHaveProperty('data');
  });

  it('requires an API key on every method', () => {
    const methods = Object.values(resources(tf, 'aws_api_gateway_method'));
    expect(methods.length).toBe(2);
    for (const m of methods) expect(m.api_key_required).toBe(true);
  });

  it('integrates every method with the live alias, never the unqualified function', () => {
    const [aliasId, alias] = only(tf, 'aws_lambda_alias');
    expect(alias.name).toBe('live');
    const integrations = Object.values(resources(tf, 'aws_api_gateway_integration'));
    expect(integrations.length).toBe(2);
    for (const i of integrations) {
      expect(i.type).toBe('AWS_PROXY');
      expect(i.uri).toBe(`\${aws_lambda_alias.${aliasId}.invoke_arn}`);
    }
  });

  it('opens no path around API Gateway: no function URL, one permission, scoped to this API, for the alias', () => {
    expect(tf.resource).not.toHaveProperty('aws_lambda_function_url');
    const [apiId] = only(tf, 'aws_api_gateway_rest_api');
    const [aliasId] = only(tf, 'aws_lambda_alias');
    const [, permission] = only(tf, 'aws_lambda_permission');
    expect(permission.principal).toBe('apigateway.amazonaws.com');
    expect(permission.qualifier).toBe(`\${aws_lambda_alias.${aliasId}.name}`);
    expect(String(permission.source_arn).startsWith(`\${aws_api_gateway_rest_api.${apiId}.execution_arn}/`)).toBe(true);
  });

  it('keeps every bucket private: all four public access blocks on, no ACL, no Allow to everyone', () => {
    const buckets = Object.keys(resources(tf, 'aws_s3_bucket'));
    const blocks = Object.values(resources(tf, 'aws_s3_bucket_public_access_block'));
    expect(blocks.length).toBe(buckets.length);
    for (const id of buckets) {
      const block = blocks.find((b) => b.bucket === `\${aws_s3_bucket.${id}.id}`);
      expect(block).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    }
    for (const type of ['aws_s3_bucket', 'aws_s3_object']) {
      for (const r of Object.values(resources(tf, type))) expect(r.acl ?? 'private').toBe('private');
    }
    for (const p of Object.values(resources(tf, 'aws_s3_bucket_policy'))) {
      for (const s of statements(p.policy)) expect(s.Effect).toBe('Deny');
    }
  });

  it('denies every non-TLS request to the bucket', () => {
    const [bucketId] = only(tf, 'aws_s3_bucket');
    const [, policy] = only(tf, 'aws_s3_bucket_policy');
    expect(statements(policy.policy)).toContainEqual({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`\${aws_s3_bucket.${bucketId}.arn}`, `\${aws_s3_bucket.${bucketId}.arn}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
  });

  it('versions and encrypts the model bucket', () => {
    const [, versioning] = only(tf, 'aws_s3_bucket_versioning');
    expect(versioning.versioning_configuration).toEqual({ status: 'Enabled' });
    const [, sse] = only(tf, 'aws_s3_bucket_server_side_encryption_configuration');
    expect(sse.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('AES256');
  });

  it('grants the function only: write its own log streams, read the model prefix', () => {
    const [, fn] = only(tf, 'aws_lambda_function');
    const [bucketId] = only(tf, 'aws_s3_bucket');
    const roleRef = String(fn.role).match(/^\$\{aws_iam_role\.([^.]+)\.arn\}$/)?.[1];
    expect(roleRef).toBeDefined();
    const role = resources(tf, 'aws_iam_role')[roleRef!]!;
    expect(statements(role.assume_role_policy)).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    const policies = Object.values(resources(tf, 'aws_iam_role_policy')).filter((p) => p.role === `\${aws_iam_role.${roleRef}.id}`);
    expect(policies.length).toBe(1);
    const [logGroupId] = Object.entries(resources(tf, 'aws_cloudwatch_log_group')).find(([, g]) => g.name === `/aws/lambda/${fn.function_name}`)!;
    const grants = statements(policies[0]!.policy).map((s) => ({ effect: s.Effect, actions: list(s.Action).sort(), resources: list(s.Resource) }));
    expect(grants).toEqual([
      { effect: 'Allow', actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`\${aws_cloudwatch_log_group.${logGroupId}.arn}:*`] },
      { effect: 'Allow', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`\${aws_s3_bucket.${bucketId}.arn}/model/*`] },
    ]);
    // The Lambda bundle lives in the same bucket under lambda/: the role cannot read it (Lambda's service
    // fetches the code with the deployer's credentials at deploy time).
    expect(JSON.stringify(grants)).not.toContain('lambda/');
  });

  it('has no wildcard action or resource in any inline IAM policy beyond log streams and the model prefix', () => {
    for (const p of Object.values(resources(tf, 'aws_iam_role_policy'))) {
      for (const s of statements(p.policy)) {
        if (s.Effect !== 'Allow') continue;
        for (const action of list(s.Action)) expect(action).not.toMatch(/\*/);
        for (const resource of list(s.Resource)) {
          expect(resource).not.toBe('*');
          if (resource.includes('*')) expect(resource).toMatch(/(\.arn\}:\*|\.arn\}\/model\/\*)$/);
        }
      }
    }
  });

  it('attaches no managed policy except API Gateway’s CloudWatch push policy, to a role only API Gateway assumes', () => {
    const roles = resources(tf, 'aws_iam_role');
    for (const attachment of Object.values(resources(tf, 'aws_iam_role_policy_attachment'))) {
      expect(attachment.policy_arn).toBe(PUSH_TO_CLOUDWATCH_POLICY_ARN);
      const roleId = String(attachment.role).match(/^\$\{aws_iam_role\.([^.]+)\.name\}$/)?.[1];
      expect(statements(roles[roleId!]!.assume_role_policy)).toEqual([
        { Effect: 'Allow', Principal: { Service: 'apigateway.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it('marks the key value output sensitive and puts no secret in any other output or environment', () => {
    expect(tf.output.api_key_value?.sensitive).toBe(true);
    const [, fn] = only(tf, 'aws_lambda_function');
    expect(JSON.stringify(fn.environment)).not.toMatch(/api_key/);
    for (const [name, out] of Object.entries(tf.output)) {
      if (out.sensitive) expect(name).toBe('api_key_value');
    }
  });
});
