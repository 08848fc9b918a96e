export { buildApp, type BuildAppOptions } from './app.js';
export {
  ClassifierStack,
  MANIFEST_VERSION_VAR,
  MODEL_VERSION_VAR,
  type ClassifierStackProps,
} from './ClassifierStack.js';
export {
  prodStage,
  STAGES,
  testStage,
  validateStageConfig,
  type AlarmConfig,
  type ApiConfig,
  type Architecture,
  type FunctionConfig,
  type LimitsConfig,
  type PackageType,
  type QuotaPeriod,
  type StageConfig,
  type StageName,
  type ThrottleConfig,
} from './config.js';
export { ApiGatewayLogsRole } from './constructs/ApiGatewayLogsRole.js';
export { AccountStack, type AccountStackProps, accountStackName } from './AccountStack.js';
export { FunctionRole } from './constructs/FunctionRole.js';
export { ImageRepository } from './constructs/ImageRepository.js';
export { HANDLER, InferenceFunction, LIVE_ALIAS, RUNTIME, type FunctionCode } from './constructs/InferenceFunction.js';
export { ACCESS_LOG_FORMAT, KeyedRestApi, ROUTES, type Route } from './constructs/KeyedRestApi.js';
export { MANIFEST_KEY, MODEL_KEY, MODEL_PREFIX, ModelBucket } from './constructs/ModelBucket.js';
export { MODEL_METRICS, Monitoring } from './constructs/Monitoring.js';
export { API_KEY_LOGICAL_ID, UsagePlan } from './constructs/UsagePlan.js';
export { estimateMonthlyCost, formatCostReport, PRICES, type CostEstimate, type CostInput } from './cost.js';
export { ConfigError, InfraError, MissingInputError } from './errors.js';
export {
  DEFAULT_LAMBDA_ZIP,
  LAMBDA_ZIP_ENV,
  loadLambdaZip,
  loadModelInput,
  MODEL_DIR_ENV,
  resolveInputs,
  type LambdaZipInput,
  type ModelInput,
  type StackInputs,
} from './inputs.js';
