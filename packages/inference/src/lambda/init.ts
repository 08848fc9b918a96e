/**
 * The execution environment's init (handler.ts starts it): configuration, model load (sha256-checked),
 * session creation, then the request handler. A failure is logged as one structured line and thrown,
 * so init fails, the platform answers 502 and no request is ever served by a missing or wrong model.
 */
import { DEFAULT_METRICS_NAMESPACE, DEFAULT_SERVICE_NAME, ENV } from '../constants.js';
import { ConfigError } from '../errors.js';
import { createHandler, type ProxyHandler } from '../http/createHandler.js';
import { readLimits } from '../http/limits.js';
import type { FetchedArtifact } from '../model/fetchArtifact.js';
import { loadModel } from '../model/loadModel.js';
import { lambdaSessionOptions } from '../model/sessionOptions.js';
import { createLogger } from '../observability/logger.js';
import { EmfMetrics } from '../observability/metrics.js';
import { RequestLog } from '../observability/requestLog.js';
import { Predictor } from '../predictor/Predictor.js';
import { artifactOptions, type Env } from './env.js';

/**
 * @param fetched the artifact's bytes, already being read from where `env` says (undefined: read here)
 * @param initStarted when init began (performance.now()), for the `initMs` the load log reports
 * @param codeLoadMs how long loading this module took (onnxruntime's native library included), logged
 */
export async function initHandler(
  env: Env,
  fetched: Promise<FetchedArtifact> | undefined,
  initStarted: number,
  codeLoadMs?: number,
): Promise<ProxyHandler> {
  const serviceName = env[ENV.serviceName] || DEFAULT_SERVICE_NAME;
  const logger = createLogger(serviceName);
  try {
    const artifact = artifactOptions(env);
    if (!artifact) throw new ConfigError(`${ENV.modelUri} is not set: it must name model.onnx (a path, file://..., or s3://bucket/key?versionId=V)`);
    const limits = readLimits(env);
    const intraOp = env[ENV.intraOpThreads] ? Number(env[ENV.intraOpThreads]) : 1;
    const model = await loadModel({
      ...artifact,
      ...(fetched ? { fetched } : {}),
      // Both knobs exist to measure the defaults (bench/handler.bench.ts), not to be tuned per stage.
      sessionOptions: lambdaSessionOptions(Number.isInteger(intraOp) && intraOp > 0 ? intraOp : 1, env[ENV.memArena] === 'true'),
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
      // ... and from the graph's per-post sums (the faster cut), unless this says why not.
      postSums: model.termCounts?.sumsTensor ? true : (model.postSumsUnsupported ?? false),
      limits,
      timings: codeLoadMs === undefined ? model.timings : { codeLoadMs, ...model.timings },
      initMs: Math.round(performance.now() - initStarted),
    });
    return createHandler({ predictor, limits, logger, metrics, requestLog: new RequestLog({ service: serviceName }) });
  } catch (error) {
    logger.error('init failed: this environment cannot serve', { error: error as Error });
    throw error;
  }
}
