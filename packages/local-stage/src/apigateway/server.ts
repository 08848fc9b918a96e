import { randomBytes, randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { APIGW, LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES } from '../constants.js';
import type { FunctionPool } from '../lambda/pool.js';
import type { StageModel } from '../stack/model.js';
import type { LocalApiKey } from './apiKeys.js';
import { mapProxyResult } from './integrationResponse.js';
import { buildProxyEvent } from './proxyEvent.js';
import { GATEWAY_ERRORS, type GatewayErrorKind, sendGatewayError } from './responses.js';
import { Router } from './router.js';
import { TokenBucket } from './tokenBucket.js';

export interface GatewayOptions {
  readonly model: StageModel;
  readonly pools: ReadonlyMap<string, FunctionPool>;
  readonly keys: ReadonlyMap<string, LocalApiKey>;
  /** Stage-wide method throttling, unless lifted. */
  readonly stageThrottle: boolean;
  readonly log: ((line: string) => void) | undefined;
}

const traceId = () => `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too-large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too-large');
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size)));
    req.on('aborted', () => resolve('aborted'));
    req.on('error', () => resolve('aborted'));
  });
}

/** The REST API's front door: stage, route, API key, usage plan, body limit, integration, mapping. */
export function createGateway(options: GatewayOptions): Server {
  const { model, pools, keys, log } = options;
  const router = new Router(model.routes);
  const stages = new Set(model.stages);
  // A stage's method throttle (its `*/*` method setting) applies to each method on its own, as API
  // Gateway applies per-stage limits at the method level: one bucket per stage, resource and method.
  const methodBuckets = new Map<string, TokenBucket>();
  const methodBucket = (stage: string, resourceId: string, method: string): TokenBucket | undefined => {
    const limits = options.stageThrottle ? model.stageThrottle.get(stage) : undefined;
    if (!limits) return undefined;
    const key = `${stage} ${resourceId} ${method}`;
    let bucket = methodBuckets.get(key);
    if (!bucket) methodBuckets.set(key, (bucket = new TokenBucket(limits.rateLimit, limits.burstLimit)));
    return bucket;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const extendedRequestId = randomBytes(11).toString('base64');
    const requestTimeEpoch = Date.now();
    const fail = (kind: GatewayErrorKind, close = false) => sendGatewayError(res, kind, requestId, extendedRequestId, close);

    // The 10 MB payload limit applies before anything else.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > APIGW.maxBodyBytes) return fail('requestTooLarge', true);

    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const rawPath = q >= 0 ? url.slice(0, q) : url;
    const rawQuery = q >= 0 ? url.slice(q + 1) : '';
    const slash = rawPath.indexOf('/', 1);
    const stage = slash >= 0 ? rawPath.slice(1, slash) : rawPath.slice(1);
    const path = slash >= 0 ? rawPath.slice(slash) : '/';
    // A stage the API does not have: API Gateway answers 403 Forbidden.
    if (!stages.has(stage)) return fail('forbidden');

    const method = (req.method ?? 'GET').toUpperCase();
    const match = router.match(path, method);
    if (!match) return fail('missingAuthenticationToken');
    const { route } = match;

    let apiKey: LocalApiKey | undefined;
    let onStage: ReturnType<LocalApiKey['stages']['get']>;
    if (route.apiKeyRequired) {
      const header = req.headers['x-api-key'];
      const value = Array.isArray(header) ? header[0] : header;
      apiKey = value === undefined ? undefined : keys.get(value);
      onStage = apiKey?.enabled ? apiKey.stages.get(stage) : undefined;
      // A key is valid for a stage only through a usage plan that covers the stage.
      if (!onStage) return fail('forbidden');
      if (onStage.quota && !onStage.quota.hasRoom()) return fail('quotaExceeded');
      if (onStage.bucket && !onStage.bucket.tryTake()) return fail('throttled');
    }
    const stageBucket = methodBucket(stage, route.resourceId, method);
    if (stageBucket && !stageBucket.tryTake()) return fail('throttled');
    // Counted only once every throttle let the request through.
    onStage?.quota?.count();

    const body = await readBody(req, APIGW.maxBodyBytes);
    if (body === 'aborted') return;
    if (body === 'too-large') return fail('requestTooLarge', true);

    const pool = pools.get(route.functionKey);
    if (!pool) return fail('lambdaError');
    const trace = traceId();
    const event = buildProxyEvent({
      req,
      path,
      rawQuery,
      stage,
      resourcePath: route.resourcePath,
      resourceId: route.resourceId,
      httpMethod: method,
      pathParameters: match.pathParameters,
      body,
      binaryMediaTypes: model.binaryMediaTypes,
      requestId,
      extendedRequestId,
      traceId: trace,
      apiId: model.apiId,
      accountId: model.accountId,
      requestTimeEpoch,
      apiKey: apiKey ? { value: apiKey.value, id: apiKey.id } : undefined,
      sourceIp: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    });

    // Lambda refuses a larger invocation before the function runs; API Gateway then answers 500.
    if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_MAX_REQUEST_PAYLOAD_BYTES) {
      log?.(`${requestId} Lambda rejected the invocation: request payload over ${LAMBDA_MAX_REQUEST_PAYLOAD_BYTES} bytes: 500`);
      return fail('lambdaRejected');
    }

    // The integration timeout (29 s at most) ends the wait, not the function: the environment
    // stays busy until the function returns or hits its own timeout, as on AWS. It, or the client
    // going away, does withdraw an invocation still queued for an environment (FunctionPool.invoke).
    const withdraw = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'integration-timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('integration-timeout');
        withdraw.abort();
      }, route.integrationTimeoutMs);
    });
    const gone = (): void => {
      if (!res.writableEnded) withdraw.abort();
    };
    res.once('close', gone);
    // A client that left while the body was read or the event built: no 'close' is coming any more.
    if (res.destroyed || req.socket.destroyed) withdraw.abort();
    // The invocation's own request id: Lambda gives every invocation one (context.awsRequestId, the
    // START/END/REPORT lines), distinct from API Gateway's (requestContext.requestId, x-amzn-RequestId).
    const lambdaRequestId = randomUUID();
    const invoked = performance.now();
    let outcome: Awaited<ReturnType<FunctionPool['invoke']>> | 'integration-timeout';
    try {
      outcome = await Promise.race([pool.invoke(event, lambdaRequestId, trace, withdraw.signal), timedOut]);
    } finally {
      clearTimeout(timer);
      res.off('close', gone);
    }
    if (outcome !== 'integration-timeout' && outcome.kind === 'cancelled') {
      log?.(`${requestId} the client went away while the invocation waited for an environment: not invoked`);
      return;
    }
    const status = answer(outcome, pool);
    // One line per invoked request, naming both ids: the function's own lines carry only the Lambda
    // request id, and the client sees only API Gateway's.
    log?.(
      `${requestId} ${method} ${rawPath} -> ${status} (Lambda RequestId ${lambdaRequestId}, integration latency ${Math.round(performance.now() - invoked)} ms)`,
    );

    /** Sends API Gateway's answer to an invocation's outcome; returns its status. */
    function answer(o: Exclude<typeof outcome, { kind: 'cancelled' }>, pool: FunctionPool): number {
      const failWith = (kind: GatewayErrorKind): number => {
        fail(kind);
        return GATEWAY_ERRORS[kind].status;
      };
      if (o === 'integration-timeout') return failWith('integrationTimeout');
      if (o.kind === 'throttled') {
        log?.(`${requestId} Lambda throttled (reserved concurrency ${pool.limit} in use): 500`);
        return failWith('lambdaRejected');
      }
      if (o.kind !== 'ok') return failWith('lambdaError');
      // A larger result is a function error on AWS (the response payload limit), so 502.
      if (Buffer.byteLength(JSON.stringify(o.result) ?? '') > LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES) {
        log?.(`${requestId} Lambda response payload over ${LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES} bytes: 502`);
        return failWith('lambdaError');
      }
      const mapped = mapProxyResult(o.result, model.binaryMediaTypes, req.headers.accept);
      if (!mapped) {
        log?.(`${requestId} Execution failed due to configuration error: Malformed Lambda proxy response`);
        return failWith('lambdaError');
      }
      if (!res.destroyed) {
        res.writeHead(mapped.status, {
          ...mapped.headers,
          'Content-Length': mapped.body.length,
          'x-amzn-RequestId': requestId,
          'x-amz-apigw-id': extendedRequestId,
          'X-Amzn-Trace-Id': trace,
        });
        res.end(mapped.body);
      }
      return mapped.status;
    }
  }

  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      // Nothing a request does may take the stage down; API Gateway's own failures are 500s.
      log?.(`local stage: unexpected error: ${(err as Error)?.stack ?? String(err)}`);
      sendGatewayError(res, 'lambdaRejected', randomUUID(), randomBytes(11).toString('base64'));
    });
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return server;
}
