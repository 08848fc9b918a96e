/** What the local stage serves, resolved from the synthesized stack. */

export interface ThrottleLimits {
  /** Steady-state requests per second (token refill rate). */
  readonly rateLimit: number;
  /** Bucket size: requests allowed at once. */
  readonly burstLimit: number;
}

export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface QuotaLimits {
  readonly limit: number;
  readonly period: QuotaPeriod;
  readonly offset: number;
}

export interface RouteModel {
  /** The resource path as API Gateway shows it: `/predict`, `/items/{id}`, `/`. */
  readonly resourcePath: string;
  readonly resourceId: string;
  /** `GET`, `POST`, ... or `ANY`. */
  readonly httpMethod: string;
  readonly apiKeyRequired: boolean;
  /** Key into `StageModel.functions`. */
  readonly functionKey: string;
  readonly integrationTimeoutMs: number;
}

export type FunctionCode = { readonly kind: 'zip' | 'dir'; readonly path: string; readonly from: string };

export interface FunctionModel {
  readonly key: string;
  readonly functionName: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memoryMb: number;
  readonly timeoutS: number;
  /** `reserved_concurrent_executions`; undefined (or -1 in the stack) means unreserved. */
  readonly reservedConcurrency: number | undefined;
  /** Environments to start before the first request (provisioned concurrency). */
  readonly provisionedConcurrency: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly code: FunctionCode;
  /** `$LATEST`, or `1` when the stack publishes a version (the alias points at it). */
  readonly version: string;
  readonly functionArn: string;
  /** The ARN API Gateway invokes: the alias ARN when it goes through an alias. */
  readonly invokedArn: string;
  readonly architectures: readonly string[];
}

export interface ApiKeyModel {
  readonly tfName: string;
  readonly id: string;
  readonly name: string;
  readonly enabled: boolean;
  /** A literal value from the stack, when it holds one (it normally does not). */
  readonly value: string | undefined;
}

export interface UsagePlanModel {
  readonly tfName: string;
  readonly id: string;
  readonly name: string;
  /** Stage names of this API the plan covers. */
  readonly stages: readonly string[];
  readonly throttle: ThrottleLimits | undefined;
  readonly quota: QuotaLimits | undefined;
  readonly keyIds: readonly string[];
}

export interface StageModel {
  readonly stackName: string;
  readonly stackDir: string;
  readonly region: string;
  readonly accountId: string;
  readonly apiId: string;
  readonly apiName: string;
  readonly binaryMediaTypes: readonly string[];
  readonly stages: readonly string[];
  readonly routes: readonly RouteModel[];
  readonly functions: ReadonlyMap<string, FunctionModel>;
  readonly apiKeys: readonly ApiKeyModel[];
  readonly usagePlans: readonly UsagePlanModel[];
  /** Stage-wide method throttling (`aws_api_gateway_method_settings` on `*​/*`), per stage name. */
  readonly stageThrottle: ReadonlyMap<string, ThrottleLimits>;
  /** Resource types present but not emulated (monitoring, IAM, logs, ...). */
  readonly ignored: readonly string[];
}
