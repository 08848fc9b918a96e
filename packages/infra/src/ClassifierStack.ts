import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic/index.js';
import { Fn, LocalBackend, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { type StageConfig, validateStageConfig } from './config.js';
import { ImageRepository } from './constructs/ImageRepository.js';
import { type FunctionCode, InferenceFunction } from './constructs/InferenceFunction.js';
import { KeyedRestApi, ROUTES } from './constructs/KeyedRestApi.js';
import { ModelBucket } from './constructs/ModelBucket.js';
import { Monitoring } from './constructs/Monitoring.js';
import { UsagePlan } from './constructs/UsagePlan.js';
import { ConfigError } from './errors.js';
import type { StackInputs } from './inputs.js';

/** Terraform variables that pin a stage to earlier model object versions (rollback; README). */
export const MODEL_VERSION_VAR = 'model_version_id';
export const MANIFEST_VERSION_VAR = 'manifest_version_id';
/**
 * S3's version id of an object written while the bucket's versioning was off (S3 user guide, "Working
 * with objects in a versioning-enabled bucket"); GetObject with `versionId=null` serves that object.
 */
export const NULL_VERSION_ID = 'null';

export interface ClassifierStackProps {
  config: StageConfig;
  inputs: StackInputs;
  /**
   * The stack that sets the region's API Gateway CloudWatch Logs role (AccountStack), which stage access
   * logging needs first; omit it where the account's owners set that role themselves.
   */
  account?: TerraformStack;
}

/**
 * One stage of the classifier endpoint: model bucket, function with its `live` alias, keyed REST API,
 * usage plan, monitoring and outputs, all from one typed stage config and the synth inputs.
 *
 * @example
 * const app = new App();
 * const inputs = await resolveInputs(process.env);
 * new ClassifierStack(app, { config: testStage, inputs });
 * app.synth(); // cdktf.out/stacks/classifier-test/cdk.tf.json
 */
export class ClassifierStack extends TerraformStack {
  readonly config: StageConfig;
  readonly modelBucket: ModelBucket;
  readonly inference: InferenceFunction;
  readonly api: KeyedRestApi;
  readonly usagePlan: UsagePlan;
  readonly monitoring: Monitoring;
  readonly alarmTopic: SnsTopic;
  readonly imageRepository?: ImageRepository;

  constructor(scope: Construct, props: ClassifierStackProps) {
    const config = validateStageConfig(props.config);
    super(scope, config.stackName);
    this.config = config;
    const { inputs } = props;
    if (props.account) this.addDependency(props.account);
    const fnConfig = config.function;

    // Relative to the stack's directory (cdktf.out/stacks/<stack>, where cdktf and plain Terraform both run):
    // the state lands in packages/infra, outside the synth output that every synth rewrites.
    new LocalBackend(this, { path: `../../../terraform.${config.stackName}.tfstate` });
    new AwsProvider(this, 'aws', { region: config.region, defaultTags: [{ tags: config.tags }] });

    this.modelBucket = new ModelBucket(this, 'model-bucket', {
      namePrefix: config.namePrefix,
      forceDestroy: config.bucketForceDestroy,
      model: inputs.model,
    });

    // Rollback: empty (the default) serves the objects just uploaded; a version id serves that earlier
    // version of the same key, kept by bucket versioning.
    const modelPin = new TerraformVariable(this, MODEL_VERSION_VAR, {
      type: 'string',
      default: '',
      description: 'S3 version id of model/model.onnx to serve instead of the latest upload (rollback).',
    });
    const manifestPin = new TerraformVariable(this, MANIFEST_VERSION_VAR, {
      type: 'string',
      default: '',
      description: 'S3 version id of model/manifest.json matching model_version_id (set both or neither).',
    });
    // coalesce() returns its first argument that is neither null nor "" (Terraform functions reference), and
    // fails the apply when there is none. A brand-new bucket's versioning takes effect eventually (up to 15
    // minutes, S3 user guide), so the first upload may come back unversioned, without a version_id: it then
    // has S3's id "null", which the fallback names. A cold start in that window may still get a 404 (the
    // stage answers 502) until S3 catches up; the next cold start or deploy pins the real version.
    const pinned = (pin: TerraformVariable, latest: string): string =>
      Fn.coalesce([pin.stringValue, latest, NULL_VERSION_ID]);
    const { bucket, modelObject, manifestObject } = this.modelBucket;

    let code: FunctionCode;
    if (fnConfig.packageType === 'image') {
      this.imageRepository = new ImageRepository(this, 'image-repository', {
        name: config.namePrefix,
        forceDelete: config.bucketForceDestroy,
      });
      code = { kind: 'image', imageUri: this.imageRepository.imageUri(fnConfig.imageTag ?? '') };
    } else {
      if (!inputs.lambdaZip) throw new ConfigError(`stage ${config.stage}: zip package type needs the Lambda bundle input`);
      // onnxruntime's native binding loads at every cold start: a bundle built for the other architecture
      // would deploy cleanly and then fail every request with a 502.
      const needed = fnConfig.architecture === 'arm64' ? 'arm64' : 'x64';
      const present = inputs.lambdaZip.onnxruntimeArchitectures;
      if (present.length > 0 && !present.includes(needed)) {
        throw new ConfigError(
          `stage ${config.stage}: function.architecture is ${fnConfig.architecture}, but ${inputs.lambdaZip.path} holds onnxruntime for linux-${present.join(', linux-')} only; rebuild it with \`npm run bundle -w @org/classifier-inference -- --arch ${needed}\``,
        );
      }
      code = { kind: 'zip', bucket: bucket.id, zip: inputs.lambdaZip };
    }

    this.inference = new InferenceFunction(this, 'inference', {
      name: config.namePrefix,
      config: fnConfig,
      code,
      logRetentionDays: config.logRetentionDays,
      modelObjectsArn: this.modelBucket.modelPrefixArn,
      // docs/contracts.md section 2. The URIs carry the object version ids, so a new model changes only
      // this configuration (and publishes a new version), never the code package.
      environment: {
        MODEL_URI: this.modelBucket.objectUri(modelObject, pinned(modelPin, modelObject.versionId)),
        MANIFEST_URI: this.modelBucket.objectUri(manifestObject, pinned(manifestPin, manifestObject.versionId)),
        MAX_TEXTS: String(config.limits.maxTexts),
        MAX_TEXT_CHARS: String(config.limits.maxTextChars),
        MAX_BODY_BYTES: String(config.limits.maxBodyBytes),
        POWERTOOLS_SERVICE_NAME: config.observability.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: config.observability.metricsNamespace,
        POWERTOOLS_LOG_LEVEL: fnConfig.logLevel,
      },
    });
    // A half pin would pair one model's bytes with another's manifest; the handler's sha256 check would then
    // fail every cold start. Refuse it at plan time instead.
    this.inference.function.addOverride('lifecycle.precondition', [
      {
        condition: `\${(var.${MODEL_VERSION_VAR} == "") == (var.${MANIFEST_VERSION_VAR} == "")}`,
        error_message: `Set both ${MODEL_VERSION_VAR} and ${MANIFEST_VERSION_VAR}, or neither.`,
      },
    ]);

    this.api = new KeyedRestApi(this, 'api', {
      name: config.namePrefix,
      stageName: config.api.stageName,
      routes: ROUTES,
      aliasInvokeArn: this.inference.alias.invokeArn,
      functionName: this.inference.function.functionName,
      aliasName: this.inference.alias.name,
      methodThrottle: config.api.methodThrottle,
      logRetentionDays: config.logRetentionDays,
    });

    this.usagePlan = new UsagePlan(this, 'usage-plan', {
      name: config.namePrefix,
      apiId: this.api.api.id,
      stageName: this.api.stage.stageName,
      throttle: config.api.usagePlan.throttle,
      quota: config.api.usagePlan.quota,
    });

    // Every alarm notifies this topic (and any further actions the config lists): an alarm without an
    // action only changes colour on a dashboard nobody is watching. Subscribe a mail or pager endpoint to it.
    this.alarmTopic = new SnsTopic(this, 'alarm-topic', { name: `${config.namePrefix}-alarms` });

    this.monitoring = new Monitoring(this, 'monitoring', {
      name: config.namePrefix,
      region: config.region,
      apiName: config.namePrefix,
      stageName: config.api.stageName,
      functionName: config.namePrefix,
      timeoutSeconds: fnConfig.timeoutSeconds,
      reservedConcurrency: fnConfig.reservedConcurrency,
      metricsNamespace: config.observability.metricsNamespace,
      serviceName: config.observability.serviceName,
      alarms: { ...config.alarms, actions: [this.alarmTopic.arn, ...config.alarms.actions] },
    });

    new TerraformOutput(this, 'invoke_url', {
      value: this.api.invokeUrl,
      description: 'Stage URL; POST <invoke_url>/predict, GET <invoke_url>/model with the x-api-key header.',
    });
    new TerraformOutput(this, 'api_key_id', { value: this.usagePlan.apiKey.id });
    new TerraformOutput(this, 'api_key_value', {
      value: this.usagePlan.apiKey.value,
      sensitive: true,
      description: 'Read with: terraform output -raw api_key_value (never commit or log it).',
    });
    new TerraformOutput(this, 'model_version', {
      value: inputs.model.manifest.version,
      description: 'Version of the uploaded artifact; GET /model tells which version serves (a pin may differ).',
    });
    new TerraformOutput(this, 'model_object_version_id', {
      value: modelObject.versionId,
      description: 'S3 version id of the uploaded model.onnx: note it to roll back to this model later.',
    });
    new TerraformOutput(this, 'manifest_object_version_id', { value: manifestObject.versionId });
    new TerraformOutput(this, 'function_name', { value: this.inference.function.functionName });
    new TerraformOutput(this, 'live_version', { value: this.inference.alias.functionVersion });
    new TerraformOutput(this, 'model_bucket', { value: bucket.bucket });
    new TerraformOutput(this, 'dashboard_name', { value: this.monitoring.dashboard.dashboardName });
    new TerraformOutput(this, 'alarm_topic_arn', {
      value: this.alarmTopic.arn,
      description: 'SNS topic every alarm notifies on ALARM and OK: subscribe a mail or pager endpoint.',
    });
    if (this.imageRepository) {
      new TerraformOutput(this, 'image_repository_url', { value: this.imageRepository.repository.repositoryUrl });
    }
  }
}

