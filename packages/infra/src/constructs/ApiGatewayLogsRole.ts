import { ApiGatewayAccount } from '@cdktf/provider-aws/lib/api-gateway-account/index.js';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment/index.js';
import { Construct } from 'constructs';
import { serviceTrustPolicy } from './trustPolicy.js';

/** The AWS managed policy API Gateway documents for its CloudWatch Logs role (logs actions only). */
export const PUSH_TO_CLOUDWATCH_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs';

export interface ApiGatewayLogsRoleProps {
  /** IAM role name. */
  name: string;
}

/**
 * Sets the regional API Gateway account's CloudWatch Logs role, which stage access logging requires
 * (API Gateway developer guide, "Set up CloudWatch logging for REST APIs"). The setting is one per account
 * and region and outlives the stack (aws_api_gateway_account docs): exactly one stage should own it.
 */
export class ApiGatewayLogsRole extends Construct {
  readonly role: IamRole;
  readonly account: ApiGatewayAccount;

  constructor(scope: Construct, id: string, props: ApiGatewayLogsRoleProps) {
    super(scope, id);

    this.role = new IamRole(this, 'role', {
      name: props.name,
      assumeRolePolicy: serviceTrustPolicy('apigateway.amazonaws.com'),
    });

    const attachment = new IamRolePolicyAttachment(this, 'push-to-cloudwatch', {
      role: this.role.name,
      policyArn: PUSH_TO_CLOUDWATCH_POLICY_ARN,
    });

    this.account = new ApiGatewayAccount(this, 'account', {
      cloudwatchRoleArn: this.role.arn,
      // API Gateway checks the role's permissions when the setting is made.
      dependsOn: [attachment],
    });
  }
}
