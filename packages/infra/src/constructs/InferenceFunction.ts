import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group/index.js';
import { LambdaAlias } from '@cdktf/provider-aws/lib/lambda-alias/index.js';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function/index.js';
import { LambdaProvisionedConcurrencyConfig } from '@cdktf/provider-aws/lib/lambda-provisioned-concurrency-config/index.js';
import { S3Object } from '@cdktf/provider-aws/lib/s3-object/index.js';
import { AssetType, TerraformAsset } from 'cdktf';
import { Construct } from 'constructs';
import type { FunctionConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import type { LambdaZipInput } from '../inputs.js';
import { FunctionRole } from './FunctionRole.js';

/** The alias API Gateway invokes: a stable ARN whose target version changes on every deploy. */
export const LIVE_ALIAS = 'live';
/** Lambda handler string of the inference bundle (docs/contracts.md section 2). */
export const HANDLER = 'index.handler';
export const RUNTIME = 'nodejs22.x';
export const ZIP_PREFIX = 'lambda/';

/** Where the code comes from: the zip bundle in the model bucket, or a container image. */
export type FunctionCode =
  | { kind: 'zip'; bucket: string; zip: LambdaZipInput }
  | { kind: 'image'; imageUri: string };

export interface InferenceFunctionProps {
  /** Function name; also names the role and the log group. */
  name: string;
  config: FunctionConfig;
  code: FunctionCode;
  environment: Record<string, string>;
  logRetentionDays: number;
  /** ARN pattern of the model objects the function may read. */
  modelObjectsArn: string;
}

/**
 * The inference function: its log group, least-privilege role, code package, a published version per
 * deploy and the `live` alias (with optional provisioned concurrency). Because `publish` is on, any change to
 * the code or the configuration (a new model's version ids in `environment`) publishes a new version and
 * moves the alias to it; API Gateway keeps invoking the same alias ARN.
 */
export class InferenceFunction extends Construct {
  readonly function: LambdaFunction;
  readonly alias: LambdaAlias;
  readonly logGroup: CloudwatchLogGroup;
  readonly role: FunctionRole;
  readonly codeObject?: S3Object;

  constructor(scope: Construct, id: string, props: InferenceFunctionProps) {
    super(scope, id);
    const { config } = props;

    // Lambda writes to /aws/lambda/<name> (Lambda developer guide, "Sending Lambda function logs to
    // CloudWatch Logs"). Creating it here gives it a retention and keeps the role from needing CreateLogGroup.
    this.logGroup = new CloudwatchLogGroup(this, 'logs', {
      name: `/aws/lambda/${props.name}`,
      retentionInDays: props.logRetentionDays,
    });

    this.role = new FunctionRole(this, 'role', {
      name: `${props.name}-function`,
      logGroupArn: this.logGroup.arn,
      readableObjectsArn: props.modelObjectsArn,
    });

    let code: Partial<ConstructorParameters<typeof LambdaFunction>[2]>;
    if (props.code.kind === 'zip') {
      const { zip, bucket } = props.code;
      const asset = new TerraformAsset(this, 'bundle-asset', { path: zip.path, type: AssetType.FILE, assetHash: zip.sha256Hex });
      // Keyed by content: a new bundle is a new key (and the old one stays for a rollback of the code).
      this.codeObject = new S3Object(this, 'bundle', {
        bucket,
        key: `${ZIP_PREFIX}${zip.sha256Hex}.zip`,
        source: asset.path,
        sourceHash: zip.sha256Hex,
        contentType: 'application/zip',
      });
      code = {
        packageType: 'Zip',
        s3Bucket: this.codeObject.bucket,
        s3Key: this.codeObject.key,
        // Lambda's CodeSha256 is the base64 sha256 of the zip: equal values mean no code update.
        sourceCodeHash: zip.sha256Base64,
        handler: HANDLER,
        runtime: RUNTIME,
      };
    } else {
      if (!props.code.imageUri) throw new ConfigError('image mode needs an image URI');
      // Handler and runtime come from the image (CMD / base image) in image mode (Lambda API, CreateFunction).
      code = { packageType: 'Image', imageUri: props.code.imageUri };
    }

    this.function = new LambdaFunction(this, 'function', {
      functionName: props.name,
      role: this.role.role.arn,
      ...code,
      memorySize: config.memoryMb,
      timeout: config.timeoutSeconds,
      architectures: [config.architecture],
      // -1 is the provider's "unreserved" (aws_lambda_function reserved_concurrent_executions docs).
      reservedConcurrentExecutions: config.reservedConcurrency ?? -1,
      publish: true,
      environment: { variables: props.environment },
      // The role's policy must exist before the first invocation can log or read the model.
      dependsOn: [this.logGroup, this.role.policy],
    });

    this.alias = new LambdaAlias(this, 'live', {
      name: LIVE_ALIAS,
      functionName: this.function.functionName,
      functionVersion: this.function.version,
      description: 'What API Gateway invokes: the version published by the last deploy.',
    });

    if (config.provisionedConcurrency > 0) {
      // Provisioned concurrency must target a version or alias, never $LATEST (Lambda developer guide).
      new LambdaProvisionedConcurrencyConfig(this, 'provisioned', {
        functionName: this.function.functionName,
        qualifier: this.alias.name,
        provisionedConcurrentExecutions: config.provisionedConcurrency,
      });
    }
  }
}
