import { ApiGatewayApiKey } from '@cdktf/provider-aws/lib/api-gateway-api-key/index.js';
import { ApiGatewayUsagePlan } from '@cdktf/provider-aws/lib/api-gateway-usage-plan/index.js';
import { ApiGatewayUsagePlanKey } from '@cdktf/provider-aws/lib/api-gateway-usage-plan-key/index.js';
import { Construct } from 'constructs';
import type { QuotaPeriod, ThrottleConfig } from '../config.js';

/** Terraform address of the key, fixed so `terraform apply -replace=aws_api_gateway_api_key.api_key` rotates it. */
export const API_KEY_LOGICAL_ID = 'api_key';

export interface UsagePlanProps {
  /** Usage plan and key name. */
  name: string;
  apiId: string;
  /** The stage's `stage_name` attribute (a reference, so the plan waits for the stage to exist). */
  stageName: string;
  throttle: ThrottleConfig;
  quota: { limit: number; period: QuotaPeriod };
}

/**
 * Per-client limits: an API key bound to a usage plan with a token-bucket throttle (rate + burst, 429 "Too
 * Many Requests") and a quota (429 "Limit Exceeded"). API Gateway generates the key value; it is readable
 * only through the key resource (a sensitive output), never in config or logs.
 */
export class UsagePlan extends Construct {
  readonly apiKey: ApiGatewayApiKey;
  readonly plan: ApiGatewayUsagePlan;
  readonly planKey: ApiGatewayUsagePlanKey;

  constructor(scope: Construct, id: string, props: UsagePlanProps) {
    super(scope, id);

    this.apiKey = new ApiGatewayApiKey(this, 'key', {
      name: `${props.name}-key`,
      description: 'Default client key; rotate with terraform apply -replace (see packages/infra/README.md).',
      enabled: true,
    });
    this.apiKey.overrideLogicalId(API_KEY_LOGICAL_ID);

    this.plan = new ApiGatewayUsagePlan(this, 'plan', {
      name: `${props.name}-plan`,
      apiStages: [{ apiId: props.apiId, stage: props.stageName }],
      throttleSettings: { burstLimit: props.throttle.burstLimit, rateLimit: props.throttle.rateLimit },
      quotaSettings: { limit: props.quota.limit, period: props.quota.period },
    });

    this.planKey = new ApiGatewayUsagePlanKey(this, 'plan-key', {
      keyId: this.apiKey.id,
      keyType: 'API_KEY',
      usagePlanId: this.plan.id,
    });
  }
}
