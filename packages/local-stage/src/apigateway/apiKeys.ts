import { randomInt } from 'node:crypto';
import type { StageModel, ThrottleLimits, UsagePlanModel, QuotaLimits } from '../stack/model.js';
import { Quota } from './quota.js';
import { TokenBucket } from './tokenBucket.js';

export type UsagePlanOption =
  | 'from-stack'
  | 'unlimited'
  | { rateLimit?: number; burstLimit?: number; quotaLimit?: number; quotaPeriod?: 'DAY' | 'WEEK' | 'MONTH' };

/** One API key as the local stage knows it: its value, its id, and its per-stage limits. */
export interface LocalApiKey {
  readonly id: string;
  readonly name: string;
  readonly value: string;
  readonly enabled: boolean;
  /** Per stage name: the usage plan limiters of this key (a key is valid on a stage only through a plan). */
  readonly stages: Map<string, { plan: UsagePlanModel; bucket: TokenBucket | undefined; quota: Quota | undefined }>;
}

/**
 * API Gateway generates 40-character alphanumeric key values. Each character is drawn uniformly
 * (`randomInt`): a random byte modulo 62 would favour the first eight characters.
 */
export function generateKeyValue(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let i = 0; i < 40; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

function limitsFor(plan: UsagePlanModel, option: UsagePlanOption): { throttle?: ThrottleLimits; quota?: QuotaLimits } {
  if (option === 'unlimited') return {};
  if (option === 'from-stack') return { ...(plan.throttle ? { throttle: plan.throttle } : {}), ...(plan.quota ? { quota: plan.quota } : {}) };
  const rate = option.rateLimit ?? plan.throttle?.rateLimit;
  const burst = option.burstLimit ?? plan.throttle?.burstLimit;
  const limit = option.quotaLimit ?? plan.quota?.limit;
  return {
    ...(rate !== undefined || burst !== undefined
      ? { throttle: { rateLimit: rate ?? Number.POSITIVE_INFINITY, burstLimit: burst ?? Math.max(1, Math.ceil(rate ?? 1)) } }
      : {}),
    ...(limit !== undefined
      ? { quota: { limit, period: option.quotaPeriod ?? plan.quota?.period ?? 'DAY', offset: plan.quota?.offset ?? 0 } }
      : {}),
  };
}

/**
 * The stack holds no key values (API Gateway generates them at apply time), so the local stage
 * generates one per `aws_api_gateway_api_key`; the first key of the stack may be given by the caller.
 */
export function buildKeyStore(model: StageModel, option: UsagePlanOption, firstKeyValue?: string): Map<string, LocalApiKey> {
  const byValue = new Map<string, LocalApiKey>();
  model.apiKeys.forEach((k, i) => {
    const value = (i === 0 ? firstKeyValue : undefined) ?? k.value ?? generateKeyValue();
    const stages: LocalApiKey['stages'] = new Map();
    for (const plan of model.usagePlans) {
      if (!plan.keyIds.includes(k.id)) continue;
      const { throttle, quota } = limitsFor(plan, option);
      for (const stage of plan.stages) {
        stages.set(stage, {
          plan,
          bucket: throttle ? new TokenBucket(throttle.rateLimit, throttle.burstLimit) : undefined,
          quota: quota ? new Quota(quota) : undefined,
        });
      }
    }
    byValue.set(value, { id: k.id, name: k.name, value, enabled: k.enabled, stages });
  });
  return byValue;
}
