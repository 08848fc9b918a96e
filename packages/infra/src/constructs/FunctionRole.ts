import { IamRole } from '@cdktf/provider-aws/lib/iam-role/index.js';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy/index.js';
import { Construct } from 'constructs';
import { serviceTrustPolicy } from './trustPolicy.js';

export interface FunctionRoleProps {
  /** IAM role name. */
  name: string;
  /** The function's own log group; the role may write to it and nowhere else. */
  logGroupArn: string;
  /** ARN pattern of the S3 objects the function may read (the model prefix only). */
  readableObjectsArn: string;
}

/**
 * The function's execution role: least privilege by construction. It is an inline policy rather than
 * AWSLambdaBasicExecutionRole, whose `logs:*` grants cover every log group in the account.
 */
export class FunctionRole extends Construct {
  readonly role: IamRole;
  readonly policy: IamRolePolicy;

  constructor(scope: Construct, id: string, props: FunctionRoleProps) {
    super(scope, id);

    this.role = new IamRole(this, 'role', {
      name: props.name,
      assumeRolePolicy: serviceTrustPolicy('lambda.amazonaws.com'),
    });

    this.policy = new IamRolePolicy(this, 'policy', {
      name: 'least-privilege',
      role: this.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            // The log group is created by Terraform, so no logs:CreateLogGroup. Streams are named by Lambda
            // per execution environment: the `:*` suffix (log-stream ARNs) is the narrowest resource possible.
            Sid: 'WriteOwnLogs',
            Effect: 'Allow',
            Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            Resource: `${props.logGroupArn}:*`,
          },
          {
            // GetObject with a versionId is authorized as s3:GetObjectVersion (S3 API reference,
            // GetObject "Permissions"): the function always reads pinned versions, so it needs both.
            Sid: 'ReadModel',
            Effect: 'Allow',
            Action: ['s3:GetObject', 's3:GetObjectVersion'],
            Resource: props.readableObjectsArn,
          },
        ],
      }),
    });
  }
}
