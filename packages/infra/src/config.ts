import { ConfigError } from './errors.js';

/** Lambda instruction set. arm64 (Graviton) is ~20% cheaper per GB-second; x86_64 is the default. */
export type Architecture = 'x86_64' | 'arm64';

/** `zip`: the inference bundle from S3 (default). `image`: a container image from this stage's ECR repository. */
export type PackageType = 'zip' | 'image';

/** API Gateway usage plan quota periods (aws_api_gateway_usage_plan quota_settings.period). */
export type QuotaPeriod = 'DAY' | 'WEEK' | 'MONTH';

export interface ThrottleConfig {
  /** Token bucket size: requests that may arrive at once. */
  burstLimit: number;
  /** Steady-state requests per second. */
  rateLimit: number;
}

export interface FunctionConfig {
  /** @default 256 (the article's size; the ONNX model fits with room to spare) @unit MB */
  memoryMb: number;
  /** @default 10 (the article's value) @unit seconds */
  timeoutSeconds: number;
  architecture: Architecture;
  /**
   * Concurrency reserved for this function (caps cost and protects the rest of the account).
   * `undefined` leaves it unreserved: needed on new accounts whose regional limit is 10, because Lambda
   * refuses a reservation that leaves fewer than 10 unreserved (Lambda developer guide, "Configuring
   * reserved concurrency").
   */
  reservedConcurrency: number | undefined;
  /** Pre-initialized environments on the `live` alias (no cold starts, billed while idle); 0 = off. */
  provisionedConcurrency: number;
  packageType: PackageType;
  /** Image mode only: the tag (or `@sha256:...` digest) pushed to this stage's ECR repository. */
  imageTag?: string;
  /** POWERTOOLS_LOG_LEVEL. */
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

/** Request limits the handler enforces (docs/contracts.md section 2). */
export interface LimitsConfig {
  maxTexts: number;
  maxTextChars: number;
  maxBodyBytes: number;
}

export interface ApiConfig {
  /** API Gateway stage name; the invoke URL ends with it. */
  stageName: string;
  /** Stage-wide throttle for every method (aws_api_gateway_method_settings), across all keys. */
  methodThrottle: ThrottleConfig;
  /** Per-key limits. */
  usagePlan: { throttle: ThrottleConfig; quota: { limit: number; period: QuotaPeriod } };
}

export interface AlarmConfig {
  /** Alarm period. @unit seconds */
  periodSeconds: number;
  /** Consecutive breaching periods before ALARM. */
  evaluationPeriods: number;
  /**
   * API Gateway `Count` sum per period above this: traffic far beyond the plan (a runaway client, a
   * leaked key) shows here before it shows on the bill.
   */
  apiRequestsPerPeriod: number;
  /** API Gateway `Latency` p99 above this. @unit ms */
  apiLatencyP99Ms: number;
  /** API Gateway `5XXError` sum per period at or above this. */
  api5xxCount: number;
  /** API Gateway `4XXError` average (= the 4xx fraction of requests) above this, 0..1. */
  api4xxRate: number;
  /** Lambda `Errors` sum per period at or above this. */
  lambdaErrors: number;
  /** Lambda `Throttles` sum per period at or above this. */
  lambdaThrottles: number;
  /** Lambda `Duration` p99 above this fraction of the timeout. */
  durationFractionOfTimeout: number;
  /** Lambda `ConcurrentExecutions` maximum above this fraction of the reserved concurrency. */
  concurrencyFractionOfReserved: number;
  /** Model EMF `MeanTopProbability` average below this: the model is unsure, a cheap drift signal. */
  minMeanTopProbability: number;
  /** Alarm actions (SNS topic ARNs...) notified on ALARM and OK besides the stage's own alarm topic. */
  actions: string[];
}

/** Everything that differs between stages. One object per stage; the stack takes nothing else. */
export interface StageConfig {
  /** `test` | `prod`: also the API Gateway stage name suffix of every resource name. */
  stage: string;
  /** CDKTF stack name and Terraform state file name: `classifier-<stage>`. */
  stackName: string;
  region: string;
  /** Prefix of every AWS resource name (function, API, log groups, alarms). */
  namePrefix: string;
  tags: Record<string, string>;
  function: FunctionConfig;
  limits: LimitsConfig;
  api: ApiConfig;
  /** CloudWatch Logs retention of the function and access log groups. @unit days */
  logRetentionDays: number;
  alarms: AlarmConfig;
  observability: { serviceName: string; metricsNamespace: string };
  /** Let `destroy` delete the model bucket with all its object versions (test only). */
  bucketForceDestroy: boolean;
}

const common = {
  region: 'us-east-1',
  limits: { maxTexts: 256, maxTextChars: 100_000, maxBodyBytes: 1_048_576 },
  metricsNamespace: 'Classifier',
} as const;

/** The `test` stage: the article's numbers (256 MB, 10 s, burst 10, 10 req/s, 100 requests a day). */
export const testStage: StageConfig = {
  stage: 'test',
  stackName: 'classifier-test',
  region: common.region,
  namePrefix: 'classifier-test',
  tags: { project: 'classifier', stage: 'test', 'managed-by': 'cdktf' },
  function: {
    memoryMb: 256,
    timeoutSeconds: 10,
    architecture: 'x86_64',
    // None: a new account's regional limit of 10 cannot spare a reservation (Lambda keeps 10 unreserved),
    // and the usage plan's 10 requests/s already bound what test can run at once.
    reservedConcurrency: undefined,
    provisionedConcurrency: 0,
    packageType: 'zip',
    logLevel: 'INFO',
  },
  limits: { ...common.limits },
  api: {
    stageName: 'test',
    methodThrottle: { burstLimit: 20, rateLimit: 20 },
    usagePlan: { throttle: { burstLimit: 10, rateLimit: 10 }, quota: { limit: 100, period: 'DAY' } },
  },
  logRetentionDays: 14,
  alarms: {
    periodSeconds: 300,
    evaluationPeriods: 1,
    // The test quota is 100 a day: 100 in five minutes means the quota, or the key, is being burned.
    apiRequestsPerPeriod: 100,
    apiLatencyP99Ms: 2_000,
    api5xxCount: 1,
    api4xxRate: 0.25,
    lambdaErrors: 1,
    lambdaThrottles: 1,
    durationFractionOfTimeout: 0.8,
    concurrencyFractionOfReserved: 0.8,
    minMeanTopProbability: 0.4,
    actions: [],
  },
  // Stages share the namespace but not the service dimension: test traffic (the e2e and fuzz suites) must
  // not move prod's alarms or dashboard.
  observability: { serviceName: 'classifier-test', metricsNamespace: common.metricsNamespace },
  bucketForceDestroy: true,
};

/** The `prod` stage: more headroom, warm capacity, longer retention, a bucket `destroy` will not empty. */
export const prodStage: StageConfig = {
  ...testStage,
  stage: 'prod',
  stackName: 'classifier-prod',
  namePrefix: 'classifier-prod',
  tags: { project: 'classifier', stage: 'prod', 'managed-by': 'cdktf' },
  function: {
    ...testStage.function,
    reservedConcurrency: 50,
    // Two warm environments absorb the article's cold-start concern for steady traffic (~$11/month at 256 MB).
    provisionedConcurrency: 2,
    logLevel: 'WARN',
  },
  api: {
    stageName: 'prod',
    methodThrottle: { burstLimit: 200, rateLimit: 100 },
    usagePlan: { throttle: { burstLimit: 100, rateLimit: 50 }, quota: { limit: 1_000_000, period: 'MONTH' } },
  },
  logRetentionDays: 90,
  alarms: {
    ...testStage.alarms,
    // 80% of the stage throttle (100 req/s) sustained over a 300 s period.
    apiRequestsPerPeriod: 24_000,
    apiLatencyP99Ms: 1_000,
    api4xxRate: 0.1,
    evaluationPeriods: 2,
  },
  observability: { serviceName: 'classifier-prod', metricsNamespace: common.metricsNamespace },
  bucketForceDestroy: false,
};

export const STAGES = { test: testStage, prod: prodStage } as const;
export type StageName = keyof typeof STAGES;

// CloudWatch Logs accepts only these retention values (PutRetentionPolicy API reference).
const LOG_RETENTION_DAYS = new Set([
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
]);

/** Rejects values AWS would refuse only at apply time; returns the config unchanged. */
export function validateStageConfig(config: StageConfig): StageConfig {
  const fail = (message: string): never => {
    throw new ConfigError(`stage ${config.stage}: ${message}`);
  };
  const fn = config.function;
  // Lambda limits: memory 128..10240 MB, timeout 1..900 s (Lambda quotas page).
  if (!Number.isInteger(fn.memoryMb) || fn.memoryMb < 128 || fn.memoryMb > 10_240) fail('function.memoryMb must be 128..10240');
  if (!Number.isInteger(fn.timeoutSeconds) || fn.timeoutSeconds < 1 || fn.timeoutSeconds > 900) {
    fail('function.timeoutSeconds must be 1..900');
  }
  // API Gateway's integration timeout is 29 s by default: a longer function timeout only burns money after a 504.
  if (fn.timeoutSeconds > 29) fail('function.timeoutSeconds over 29 s outlives the API Gateway integration timeout');
  if (fn.reservedConcurrency !== undefined && (!Number.isInteger(fn.reservedConcurrency) || fn.reservedConcurrency < 1)) {
    fail('function.reservedConcurrency must be a positive integer or undefined');
  }
  if (!Number.isInteger(fn.provisionedConcurrency) || fn.provisionedConcurrency < 0) {
    fail('function.provisionedConcurrency must be 0 or more');
  }
  if (fn.reservedConcurrency !== undefined && fn.provisionedConcurrency > fn.reservedConcurrency) {
    fail('function.provisionedConcurrency cannot exceed reservedConcurrency');
  }
  if (fn.packageType === 'image' && !fn.imageTag) fail('function.imageTag is required when packageType is image');
  if (!LOG_RETENTION_DAYS.has(config.logRetentionDays)) fail(`logRetentionDays ${config.logRetentionDays} is not a CloudWatch Logs value`);
  if (!/^[a-zA-Z0-9_]{1,128}$/.test(config.api.stageName)) fail('api.stageName must be [a-zA-Z0-9_]');
  for (const [name, t] of [
    ['api.methodThrottle', config.api.methodThrottle],
    ['api.usagePlan.throttle', config.api.usagePlan.throttle],
  ] as const) {
    if (!(t.burstLimit >= 0 && t.rateLimit >= 0)) fail(`${name} limits must be non-negative`);
  }
  if (!(config.api.usagePlan.quota.limit > 0)) fail('api.usagePlan.quota.limit must be positive');
  const l = config.limits;
  if (![l.maxTexts, l.maxTextChars, l.maxBodyBytes].every((n) => Number.isInteger(n) && n > 0)) {
    fail('limits must be positive integers');
  }
  // A REST API payload is at most 10 MB (API Gateway quotas); Lambda's synchronous payload is 6 MB.
  if (l.maxBodyBytes > 6 * 1024 * 1024) fail('limits.maxBodyBytes is over the 6 MB Lambda payload limit');
  const a = config.alarms;
  if (!(a.durationFractionOfTimeout > 0 && a.durationFractionOfTimeout <= 1)) fail('alarms.durationFractionOfTimeout must be in (0, 1]');
  if (!(a.api4xxRate > 0 && a.api4xxRate <= 1)) fail('alarms.api4xxRate must be in (0, 1]');
  if (!/^[a-z0-9-]{3,40}$/.test(config.namePrefix)) fail('namePrefix must be 3..40 of [a-z0-9-] (it prefixes an S3 bucket name)');
  return config;
}
