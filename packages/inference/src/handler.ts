/**
 * The Lambda entry point (`index.handler` in the bundle). Everything heavy happens once per
 * execution environment, at module scope (init): configuration, model load (sha256-checked),
 * session creation. A failure throws here, so init fails, the platform answers 502 and no request
 * is ever served by a missing or wrong model.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, ENV } from './constants.js';
import { ConfigError } from './errors.js';
import { createHandler } from './http/createHandler.js';
import { readLimits } from './http/limits.js';
import { loadModel } from './model/loadModel.js';
import { lambdaSessionOptions } from './model/sessionOptions.js';
import { createLogger } from './observability/logger.js';
import { EmfMetrics } from './observability/metrics.js';
import { RequestLog } from './observability/requestLog.js';
import { Predictor } from './predictor/Predictor.js';

const initStarted = performance.now();
const env = process.env;
const serviceName = env[ENV.serviceName] || DEFAULT_SERVICE_NAME;
const logger = createLogger(serviceName);

async function init() {
  const modelUri = env[ENV.modelUri];
  if (!modelUri) throw new ConfigError(`${ENV.modelUri} is not set: it must name model.onnx (a path, file://..., or s3://bucket/key?versionId=V)`);
  const limits = readLimits(env);
  const intraOp = env[ENV.intraOpThreads] ? Number(env[ENV.intraOpThreads]) : 1;
  const s3Attempts = env[ENV.s3MaxAttempts] ? Number(env[ENV.s3MaxAttempts]) : undefined;
  const model = await loadModel({
    modelUri,
    ...(env[ENV.manifestUri] ? { manifestUri: env[ENV.manifestUri] } : {}),
    // Both knobs exist to measure the defaults (bench/handler.bench.ts), not to be tuned per stage.
    sessionOptions: lambdaSessionOptions(Number.isInteger(intraOp) && intraOp > 0 ? intraOp : 1, env[ENV.memArena] === 'true'),
    s3: {
      ...(s3Attempts && Number.isInteger(s3Attempts) && s3Attempts > 0 ? { maxAttempts: s3Attempts } : {}),
      forcePathStyle: env[ENV.s3ForcePathStyle] === 'true',
    },
  });
  const predictor = new Predictor(model, { warn: (message, error) => logger.warn(message, { error: error as Error }) });
  const metrics = new EmfMetrics({
    namespace: env[ENV.metricsNamespace] || DEFAULT_METRICS_NAMESPACE,
    service: serviceName,
    disabled: env[ENV.metricsDisabled] === 'true',
  });
  logger.info('model loaded', {
    model: { name: model.manifest.name, version: model.manifest.version },
    source: model.source,
    explain: predictor.supportsExplain,
    oovMetric: predictor.supportsOov,
    // Plain requests are tokenised here and run the graph from its term counts, unless this says why not.
    termCountPath: model.termCounts ? true : (model.frontEndUnsupported ?? false),
    limits,
    timings: model.timings,
    initMs: Math.round(performance.now() - initStarted),
  });
  return createHandler({ predictor, limits, logger, metrics, requestLog: new RequestLog({ service: serviceName }) });
}

let serve: Awaited<ReturnType<typeof init>>;
try {
  serve = await init();
} catch (error) {
  // Logged as one structured line, then rethrown: the init fails (Runtime.ImportModuleError on AWS).
  logger.error('init failed: this environment cannot serve', { error: error as Error });
  throw error;
}

/** API Gateway REST (v1 proxy) handler: POST /predict, GET /model (SPEC section 5). */
export const handler = (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> => serve(event, context);
