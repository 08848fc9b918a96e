import { createHash } from 'node:crypto';
import { StackError } from '../errors.js';
import type { TerraformJson } from './terraformJson.js';

/** One `${type.name.attribute}` (or `${data.type.name.attribute}`) interpolation. */
export interface Reference {
  readonly kind: 'resource' | 'data';
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
  readonly expression: string;
}

const INTERPOLATION = /\$\{([^{}]*)\}/g;
const TRAVERSAL = /^(data\.)?([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)(?:\[\d+\])?(?:\.[A-Za-z0-9_]+)*$/;

export function parseReference(expression: string): Reference | undefined {
  const m = TRAVERSAL.exec(expression.trim());
  if (!m) return undefined;
  return {
    kind: m[1] ? 'data' : 'resource',
    type: m[2] as string,
    name: m[3] as string,
    attribute: m[4] as string,
    expression,
  };
}

/** Every reference inside a string value, in order. */
export function referencesIn(value: string): Reference[] {
  const out: Reference[] = [];
  for (const m of value.matchAll(INTERPOLATION)) {
    const ref = parseReference(m[1] as string);
    if (ref) out.push(ref);
  }
  return out;
}

/** A stable, AWS-looking id (lowercase alphanumerics) derived from a Terraform address. */
export function syntheticId(address: string, length = 10): string {
  const digest = createHash('sha256').update(address).digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let id = '';
  for (let i = 0; i < length; i++) id += alphabet[(digest[i] as number) % alphabet.length];
  return id;
}

export type ComputedAttributes = (type: string, name: string, attribute: string) => string | undefined;

/**
 * Resolves interpolations against the stack: computed attributes first (ids, ARNs the local stage
 * assigns), then the resource's own literal arguments (resolved recursively), then the few data
 * sources with a local answer. Anything else fails, naming the resource and attribute.
 */
export class Resolver {
  constructor(
    private readonly tf: TerraformJson,
    private readonly computed: ComputedAttributes,
    private readonly region: string,
    private readonly accountId: string,
  ) {}

  config(type: string, name: string): Record<string, unknown> | undefined {
    return this.tf.resource?.[type]?.[name];
  }

  attribute(ref: Reference, where: string, depth = 0): string {
    if (depth > 16) throw new StackError(`${where}: reference cycle through ${ref.expression}`);
    if (ref.kind === 'data') {
      const answer = this.dataAttribute(ref);
      if (answer !== undefined) return answer;
      throw new StackError(
        `${where}: cannot resolve data.${ref.type}.${ref.name}.${ref.attribute} locally (no such data source emulated)`,
      );
    }
    const config = this.config(ref.type, ref.name);
    if (!config) throw new StackError(`${where}: references ${ref.type}.${ref.name}, which is not in the stack`);
    const computed = this.computed(ref.type, ref.name, ref.attribute);
    if (computed !== undefined) return computed;
    const literal = config[ref.attribute];
    if (typeof literal === 'string') return this.resolve(literal, `${ref.type}.${ref.name}.${ref.attribute}`, depth + 1);
    if (typeof literal === 'number' || typeof literal === 'boolean') return String(literal);
    throw new StackError(
      `${where}: cannot resolve attribute "${ref.attribute}" of ${ref.type}.${ref.name} locally (known only after apply)`,
    );
  }

  /** Substitutes every interpolation in `value`; `where` names the field for error messages. */
  resolve(value: string, where: string, depth = 0): string {
    if (!value.includes('${')) return value;
    return value.replace(INTERPOLATION, (_whole, expression: string) => {
      const ref = parseReference(expression);
      if (!ref) throw new StackError(`${where}: cannot evaluate the expression \${${expression}} locally`);
      return this.attribute(ref, where, depth);
    });
  }

  private dataAttribute(ref: Reference): string | undefined {
    if (ref.type === 'aws_region' && ['name', 'region', 'id'].includes(ref.attribute)) return this.region;
    if (ref.type === 'aws_caller_identity' && ref.attribute === 'account_id') return this.accountId;
    if (ref.type === 'aws_partition' && ref.attribute === 'partition') return 'aws';
    return undefined;
  }
}
