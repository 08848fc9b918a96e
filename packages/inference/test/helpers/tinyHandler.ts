import { createHandler, type ProxyHandler } from '../../src/http/createHandler.js';
import { readLimits } from '../../src/http/limits.js';
import { loadModel } from '../../src/model/loadModel.js';
import { createLogger } from '../../src/observability/logger.js';
import { EmfMetrics } from '../../src/observability/metrics.js';
import { RequestLog } from '../../src/observability/requestLog.js';
import { Predictor } from '../../src/predictor/Predictor.js';
import type { TinyFlavour } from '../fixtures/tinyModel.js';
import { tinyArtifact } from './artifacts.js';

/** A handler over the tiny model, with EMF lines collected in memory instead of stdout. */
export async function tinyHandler(flavour: TinyFlavour, env: Record<string, string> = {}) {
  const tiny = await tinyArtifact(flavour);
  const model = await loadModel({ modelUri: tiny.modelPath });
  const emf: string[] = [];
  const handler: ProxyHandler = createHandler({
    predictor: new Predictor(model),
    limits: readLimits(env),
    logger: createLogger('classifier-test'),
    requestLog: new RequestLog({ service: 'classifier-test' }),
    metrics: new EmfMetrics({ namespace: 'Test', service: 'classifier-test', write: (l) => emf.push(l) }),
  });
  return {
    handler,
    manifest: tiny.manifest,
    emf,
    close: async () => {
      await model.release();
      await tiny.remove();
    },
  };
}
