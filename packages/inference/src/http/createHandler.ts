import { randomUUID } from 'node:crypto';
import { publicManifest } from '@org/classifier-artifact';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { ERROR_CODES } from '../constants.js';
import { RequestError } from '../errors.js';
import { ColdStart } from '../observability/coldStart.js';
import type { Logger } from '../observability/logger.js';
import type { EmfMetrics } from '../observability/metrics.js';
import { RequestLog } from '../observability/requestLog.js';
import type { BatchResult, Predictor } from '../predictor/Predictor.js';
import type { Limits } from './limits.js';
import { decodeBody, type PredictRequest, parseJson, toPredictRequest } from './parseRequest.js';
import { errorResponse, internalErrorResponse, jsonResponse } from './responses.js';

export interface HandlerDeps {
  predictor: Predictor;
  limits: Limits;
  logger: Logger;
  metrics: EmfMetrics;
  /** The per-request access log line. @default service from POWERTOOLS_SERVICE_NAME */
  requestLog?: RequestLog;
  coldStart?: ColdStart;
}

export type ProxyHandler = (event: APIGatewayProxyEvent, context?: Partial<Context>) => Promise<APIGatewayProxyResult>;

type Route = 'predict' | 'model';
const ROUTES: Record<string, { route: Route; method: string }> = {
  '/predict': { route: 'predict', method: 'POST' },
  '/model': { route: 'model', method: 'GET' },
};

/** The path without stage prefix or trailing slash: API Gateway puts the template in `resource`. */
function routePath(event: Partial<APIGatewayProxyEvent>): string | undefined {
  const raw = typeof event.resource === 'string' && event.resource !== '' ? event.resource : event.path;
  if (typeof raw !== 'string') return undefined;
  return raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
}

function requestIdOf(event: Partial<APIGatewayProxyEvent> | null | undefined, context?: Partial<Context>): string {
  const fromEvent = event?.requestContext?.requestId;
  if (typeof fromEvent === 'string' && fromEvent !== '') return fromEvent;
  if (typeof context?.awsRequestId === 'string' && context.awsRequestId !== '') return context.awsRequestId;
  return randomUUID();
}

/**
 * Builds the API Gateway REST (v1 proxy) handler around a loaded predictor. Every answer is JSON
 * with `Content-Type` and the request id header; every error carries `error`, `code`, `requestId`
 * and the offending field or index; anything unexpected is a generic 500 with details in the log.
 */
export function createHandler(deps: HandlerDeps): ProxyHandler {
  const { predictor, limits, logger, metrics } = deps;
  const coldStart = deps.coldStart ?? new ColdStart();
  const requestLog = deps.requestLog ?? new RequestLog({ service: process.env.POWERTOOLS_SERVICE_NAME || 'classifier' });
  const manifest = predictor.manifest;
  const modelInfo = { name: manifest.name, version: manifest.version, sha256: manifest.sha256 };
  const modelBody = JSON.stringify(publicManifest(manifest));
  const capabilities = { labelCount: predictor.labels.length, supportsExplain: predictor.supportsExplain };

  return async function handler(event, context) {
    const started = performance.now();
    const cold = coldStart.take();
    const ev = (event ?? {}) as APIGatewayProxyEvent;
    const requestId = requestIdOf(ev, context);
    let status = 500;
    let batchSize = 0;
    try {
      const result = await route(ev);
      status = result.statusCode;
      return result;
    } catch (error) {
      if (error instanceof RequestError) {
        status = error.status;
        return errorResponse(error, requestId, error.status === 405 ? { Allow: ROUTES[routePath(ev) ?? '']?.method ?? '' } : {});
      }
      status = 500;
      logger.error('internal error', { requestId, modelVersion: modelInfo.version, error: error as Error });
      return internalErrorResponse(requestId);
    } finally {
      requestLog.log({ requestId, modelVersion: modelInfo.version, status, batchSize, durationMs: performance.now() - started, coldStart: cold });
    }

    async function route(ev: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
      const path = routePath(ev);
      // The article invokes the function directly with only {"body": ...}: no method, no path.
      const method = typeof ev.httpMethod === 'string' ? ev.httpMethod.toUpperCase() : undefined;
      const target = path === undefined && method === undefined ? ROUTES['/predict'] : ROUTES[path ?? ''];
      if (!target) throw new RequestError(404, ERROR_CODES.notFound, `no route for ${method ?? '?'} ${path ?? '?'}`, { field: 'path' });
      if (method !== undefined && method !== target.method) {
        throw new RequestError(405, ERROR_CODES.methodNotAllowed, `${path} accepts ${target.method} only`, { field: 'httpMethod' });
      }
      if (target.route === 'model') {
        return { statusCode: 200, headers: { 'Content-Type': 'application/json', 'x-request-id': requestId }, body: modelBody, isBase64Encoded: false };
      }
      // Direct invocation may pass an already-parsed body (the article's handler accepts a list).
      const rawBody: unknown = ev.body;
      let payload: unknown = rawBody;
      if (typeof rawBody === 'string' || rawBody === null || rawBody === undefined) {
        const body = decodeBody(rawBody as string | null | undefined, ev.isBase64Encoded, limits);
        // Read without JSON.parse where the predictor can (Predictor.predictBody): the same answer.
        const read = await predictor.predictBody(body, limits);
        if (read) {
          batchSize = read.batch.predictions.length;
          return respond(read.form, read.batch);
        }
        payload = parseJson(body);
      }
      const request = toPredictRequest(payload, limits, capabilities);
      batchSize = request.texts.length;
      const batch = request.form === 'rich'
        ? await predictor.predict(request.texts, { topK: request.topK, explain: request.explain })
        : await predictor.predict(request.texts);
      return respond(request.form, batch);
    }

    function respond(form: PredictRequest['form'], batch: BatchResult): APIGatewayProxyResult {
      const preds = batch.predictions;
      if (preds.length > 0) {
        let sum = 0;
        const labels = new Array<string>(preds.length);
        for (let i = 0; i < preds.length; i++) {
          const p = preds[i] as (typeof preds)[number];
          sum += p.probability;
          labels[i] = p.label;
        }
        metrics.record({
          latencyMs: performance.now() - started,
          batchSize: preds.length,
          labels,
          meanTopProbability: sum / preds.length,
          ...(batch.oovRate !== undefined ? { oovRate: batch.oovRate } : {}),
        });
        if (form === 'article') return jsonResponse(200, labels, requestId);
      }
      if (form === 'article') return jsonResponse(200, [], requestId);
      return jsonResponse(200, { model: modelInfo, predictions: preds }, requestId);
    }
  };
}
