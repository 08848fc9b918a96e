import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { LocalBackend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import { ApiGatewayLogsRole } from './constructs/ApiGatewayLogsRole.js';

export interface AccountStackProps {
  region: string;
  tags: Record<string, string>;
}

/** `classifier-account-<region>`: one per account and region, deployed before any stage there. */
export const accountStackName = (region: string): string => `classifier-account-${region}`;

/**
 * What every stage in an account and region needs and no stage may own: API Gateway's regional
 * CloudWatch Logs role, without which stage access logging fails ("CloudWatch Logs role ARN must be set
 * in account settings"). The AWS provider resets that setting when its resource is destroyed, so a stage
 * that owned it would switch off every other stage's access logs (and any other API's in the account)
 * on `cdktf destroy`. Here it lives in a stack that outlives the stages, which depend on it: cdktf then
 * refuses to deploy a stage without it, or to destroy it while a stage is selected with it.
 */
export class AccountStack extends TerraformStack {
  readonly logsRole: ApiGatewayLogsRole;

  constructor(scope: Construct, props: AccountStackProps) {
    const name = accountStackName(props.region);
    super(scope, name);
    // Beside the stage states, outside the synth output (see ClassifierStack).
    new LocalBackend(this, { path: `../../../terraform.${name}.tfstate` });
    new AwsProvider(this, 'aws', { region: props.region, defaultTags: [{ tags: props.tags }] });
    // IAM role names are global to the account: the region keeps one account stack per region apart.
    this.logsRole = new ApiGatewayLogsRole(this, 'api-gateway-logs-role', { name: `classifier-apigw-logs-${props.region}` });
    new TerraformOutput(this, 'api_gateway_logs_role_arn', { value: this.logsRole.role.arn });
  }
}
