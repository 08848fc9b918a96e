export { startLocalStage, DEFAULT_SYNTH_DIR } from './startLocalStage.js';
export type { LocalStage, LocalStageOptions } from './startLocalStage.js';
export type { UsagePlanOption } from './apigateway/apiKeys.js';
export { LocalStageError, StackError } from './errors.js';
export { loadStage } from './stack/resolveStack.js';
export type { StageModel, FunctionModel, RouteModel } from './stack/model.js';
