import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prodStage, type StageConfig, testStage } from '../src/config.js';
import { type Fixture, loadInputs, makeFixture, type Synthesized, synthStage } from './fixtures.js';

/**
 * What `terraform validate` would catch that a matcher does not, checked without the terraform binary
 * (absent here): every reference names a declared resource, attribute holder or variable, every
 * depends_on target exists, and no unresolved CDKTF token or JS `undefined` leaked into an expression.
 */
let fixture: Fixture;
const synthesized: Record<string, Synthesized> = {};
const imageStage: StageConfig = { ...testStage, function: { ...testStage.function, packageType: 'image', imageTag: 'v1' } };

beforeAll(async () => {
  fixture = makeFixture();
  const inputs = await loadInputs(fixture);
  synthesized.test = synthStage(testStage, inputs);
  synthesized.prod = synthStage(prodStage, inputs);
  synthesized.image = synthStage(imageStage, { model: inputs.model });
});
afterAll(() => fixture.cleanup());

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

describe.each(['test', 'prod', 'image'])('Whole-stack validity: %s', (name) => {
  it('references only what the stack declares', () => {
    const { tf } = synthesized[name]!;
    const declared = (type: string, id: string) => tf.resource[type]?.[id] !== undefined;
    const problems: string[] = [];
    for (const s of strings({ resource: tf.resource, output: tf.output })) {
      for (const [, expr] of s.matchAll(/\$\{([^}]*)\}/g)) {
        for (const [, type, id] of (expr as string).matchAll(/\b(aws_[a-z0-9_]+)\.([A-Za-z0-9_-]+)\./g)) {
          if (!declared(type!, id!)) problems.push(`${type}.${id}`);
        }
        for (const [, variable] of (expr as string).matchAll(/\bvar\.([a-z0-9_]+)/g)) {
          if (!tf.variable[variable!]) problems.push(`var.${variable}`);
        }
        if (/\bundefined\b|TfToken/.test(expr as string)) problems.push(`unresolved: ${expr}`);
      }
    }
    for (const [type, byId] of Object.entries(tf.resource)) {
      for (const [id, config] of Object.entries(byId)) {
        for (const dep of (config.depends_on ?? []) as string[]) {
          const [depType, depId] = dep.split('.');
          if (!declared(depType!, depId!)) problems.push(`${type}.${id} depends_on ${dep}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('uses unique names where AWS requires them per account and region', () => {
    const { tf } = synthesized[name]!;
    const names = (type: string, attr: string) => Object.values(tf.resource[type] ?? {}).map((r) => r[attr]);
    for (const [type, attr] of [
      ['aws_cloudwatch_log_group', 'name'],
      ['aws_cloudwatch_metric_alarm', 'alarm_name'],
      ['aws_iam_role', 'name'],
    ] as const) {
      const list = names(type, attr);
      expect(new Set(list).size, type).toBe(list.length);
    }
  });
});

describe('Both stages in one account and region', () => {
  it('share no account-unique name (functions, roles, log groups, alarms, dashboards, APIs, keys)', () => {
    const named: [string, string][] = [
      ['aws_lambda_function', 'function_name'],
      ['aws_iam_role', 'name'],
      ['aws_cloudwatch_log_group', 'name'],
      ['aws_cloudwatch_metric_alarm', 'alarm_name'],
      ['aws_cloudwatch_dashboard', 'dashboard_name'],
      ['aws_api_gateway_rest_api', 'name'],
      ['aws_api_gateway_api_key', 'name'],
      ['aws_api_gateway_usage_plan', 'name'],
      ['aws_s3_bucket', 'bucket_prefix'],
    ];
    const of = (s: Synthesized) => new Set(named.flatMap(([type, attr]) => Object.values(s.tf.resource[type] ?? {}).map((r) => `${type}:${r[attr]}`)));
    const test = of(synthesized.test!);
    const shared = [...of(synthesized.prod!)].filter((n) => test.has(n));
    expect(shared).toEqual([]);
  });
});
