import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryAfterDelay } from '../src/retry.js';
import {
  AuthenticationError,
  BadRequestError,
  ClassifierClient,
  ConnectionError,
  PayloadTooLargeError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  TimeoutError,
  type RetryEvent,
} from '../src/index.js';
import { echoLabels, sendJson, startServer, type TestServer } from './helpers/server.js';
import { watchingProcess } from './helpers/processEvents.js';

const API_KEY = 'retry-test-key';

let server: TestServer | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await server?.close();
  server = undefined;
});

/** A client whose backoff is a few milliseconds, so retry tests run in real time quickly. */
function fastClient(stageUrl: string, extra: Partial<ConstructorParameters<typeof ClassifierClient>[0]> = {}) {
  const retries: RetryEvent[] = [];
  const client = new ClassifierClient({
    baseUrl: stageUrl,
    apiKey: API_KEY,
    retryBaseDelayMs: 5,
    retryMaxDelayMs: 20,
    onRetry: (event) => retries.push(event),
    ...extra,
  });
  return { client, retries };
}

describe('Retries: what is retried', () => {
  it('retries 429 Too Many Requests and honours Retry-After in seconds', async () => {
    // Prepare
    server = await startServer((seen, res, _req, index) =>
      index === 0
        ? sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '1' })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const { client, retries } = fastClient(server.stageUrl);

    // Act
    const label = await client.classify('x');

    // Assess
    expect(label).toBe('label:x');
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    // Retry-After (1 s) wins over the 5-20 ms backoff; libuv timers may fire a few ms early when busy.
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(950);
    expect(retries).toHaveLength(1);
    // Never before Retry-After; at most retryBaseDelayMs (5 ms) of jitter after it.
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0]?.delayMs).toBeLessThan(1005);
    expect(retries[0]?.error).toBeInstanceOf(RateLimitError);
  });

  it('honours Retry-After as an HTTP date', async () => {
    server = await startServer((seen, res, _req, index) =>
      index === 0
        ? // HTTP dates have whole seconds: +2 s from now is 1-2 s away.
          sendJson(res, 503, { message: 'Service Unavailable' }, { 'retry-after': new Date(Date.now() + 2000).toUTCString() })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const { client, retries } = fastClient(server.stageUrl);

    await client.classify('x');

    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.delayMs).toBeGreaterThan(900);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(2000);
    expect((server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(retries[0]!.delayMs - 50);
  });

  it('rides out a burst of 502/503/504 and succeeds', async () => {
    const burst = [502, 503, 504];
    server = await startServer((seen, res, _req, index) => {
      const status = burst[index];
      if (status !== undefined) sendJson(res, status, { message: 'Internal server error' });
      else sendJson(res, 200, echoLabels(seen.body));
    });
    const { client, retries } = fastClient(server.stageUrl);

    const labels = await client.classify(['a', 'b']);

    expect(labels).toEqual(['label:a', 'label:b']);
    expect(server.requests).toHaveLength(4);
    expect(retries.map((r) => r.retry)).toEqual([1, 2, 3]);
    // Full jitter: each sleep lies in [0, min(cap, base * 2^n)).
    expect(retries.map((r) => r.delayMs <= Math.min(20, 5 * 2 ** (r.retry - 1)))).toEqual([true, true, true]);
  });

  it('retries API Gateway\'s own 500 (Lambda rejected the invocation, e.g. throttled)', async () => {
    server = await startServer((seen, res, _req, index) =>
      index === 0
        ? sendJson(res, 500, { message: 'Internal server error' }, { 'x-amzn-ErrorType': 'InternalServerErrorException' })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const { client } = fastClient(server.stageUrl);

    await expect(client.classify('x')).resolves.toBe('label:x');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries with the last ServerError', async () => {
    server = await startServer((_seen, res) =>
      sendJson(res, 503, { message: 'Service Unavailable' }, { 'x-amzn-RequestId': 'req-503' }),
    );
    const { client } = fastClient(server.stageUrl, { maxRetries: 2 });

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).status).toBe(503);
    expect((error as ServerError).requestId).toBe('req-503');
    expect(server.requests).toHaveLength(3);
  });

  it('lets one call override maxRetries', async () => {
    server = await startServer((_seen, res) => sendJson(res, 503, { message: 'Service Unavailable' }));
    const { client } = fastClient(server.stageUrl, { maxRetries: 5 });

    await expect(client.classify('x', { maxRetries: 0 })).rejects.toBeInstanceOf(ServerError);

    expect(server.requests).toHaveLength(1);
  });

  it('retries 429 until maxRetries, then throws RateLimitError', async () => {
    server = await startServer((_seen, res) => sendJson(res, 429, { message: 'Too Many Requests' }));
    const { client } = fastClient(server.stageUrl);

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).code).toBe('too_many_requests');
    expect(server.requests).toHaveLength(4);
  });

  it('retries connections reset by the server (socket.destroy) and succeeds', async () => {
    server = await startServer((seen, res, req, index) => {
      if (index < 2) req.socket.destroy();
      else sendJson(res, 200, echoLabels(seen.body));
    });
    const { client, retries } = fastClient(server.stageUrl);

    const label = await client.classify('x');

    expect(label).toBe('label:x');
    expect(server.requests).toHaveLength(3);
    expect(retries.map((r) => r.error)).toEqual([expect.any(ConnectionError), expect.any(ConnectionError)]);
  });

  it('throws ConnectionError with the network error as cause when resets persist', async () => {
    server = await startServer((_seen, _res, req) => {
      req.socket.destroy();
    });
    const { client } = fastClient(server.stageUrl, { maxRetries: 1 });

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('connection_error');
    expect((error as ConnectionError).status).toBeUndefined();
    expect((error as ConnectionError).cause).toBeInstanceOf(Error);
    expect(server.requests).toHaveLength(2);
  });

  it('retries a slow answer as a timeout and succeeds when the next attempt is fast', async () => {
    server = await startServer((seen, res, _req, index) => {
      if (index === 0) setTimeout(() => sendJson(res, 200, echoLabels(seen.body)), 1000);
      else sendJson(res, 200, echoLabels(seen.body));
    });
    const { client, retries } = fastClient(server.stageUrl, { timeoutMs: 100 });

    const label = await client.classify('x');

    expect(label).toBe('label:x');
    expect(server.requests).toHaveLength(2);
    expect(retries[0]?.error).toBeInstanceOf(TimeoutError);
  });

  it('throws TimeoutError (code timeout) when every attempt is slow', async () => {
    server = await startServer(() => {
      // Never answers: the client must give up on its own.
    });
    const { client } = fastClient(server.stageUrl, { timeoutMs: 50, maxRetries: 2 });
    const started = performance.now();

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('timeout');
    expect((error as TimeoutError).message).toBe('Request timed out after 50 ms');
    expect(server.requests).toHaveLength(3);
    // 3 attempts of 50 ms plus at most 5 + 10 ms of backoff, with slack for a loaded machine.
    expect(performance.now() - started).toBeGreaterThanOrEqual(120);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('times out a response whose body arrives too slowly', async () => {
    server = await startServer((_seen, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('["lab');
      // The rest never comes: the per-attempt timeout covers the body too.
    });
    const { client } = fastClient(server.stageUrl, { timeoutMs: 80, maxRetries: 0 });

    await expect(client.classify('x')).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('Retries: the onRetry hook', () => {
  it('ignores an onRetry that throws: the call retries and succeeds', async () => {
    server = await startServer((seen, res, _req, index) =>
      index === 0 ? sendJson(res, 503, { message: 'Service Unavailable' }) : sendJson(res, 200, echoLabels(seen.body)),
    );
    let calls = 0;
    const { client } = fastClient(server.stageUrl, {
      onRetry: () => {
        calls++;
        throw new Error('the logger exploded');
      },
    });

    const label = await client.classify('x');

    expect(label).toBe('label:x');
    expect(calls).toBe(1);
    expect(server.requests).toHaveLength(2);
  });

  it('ignores an async onRetry that rejects, without an unhandled rejection', async () => {
    await watchingProcess('unhandledRejection', async (unhandled) => {
      server = await startServer((seen, res, _req, index) =>
        index < 2 ? sendJson(res, 503, { message: 'Service Unavailable' }) : sendJson(res, 200, echoLabels(seen.body)),
      );
      const { client } = fastClient(server.stageUrl, {
        // Typed as returning void, but an async function is accepted there.
        onRetry: async () => {
          throw new Error('the metrics endpoint is down');
        },
      });

      const label = await client.classify('x');
      // Unhandled rejections are reported after the microtask queue drains.
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(label).toBe('label:x');
      expect(server.requests).toHaveLength(3);
      expect(unhandled).toEqual([]);
    });
  });
});

describe('Retries: jitter on Retry-After', () => {
  it('adds up to retryBaseDelayMs to Retry-After, never less than it and never over maxRetryAfterMs', () => {
    expect(retryAfterDelay(1000, 500, 60_000, () => 0)).toBe(1000);
    expect(retryAfterDelay(1000, 500, 60_000, () => 0.5)).toBe(1250);
    expect(retryAfterDelay(1000, 500, 60_000, () => 0.999_999)).toBe(1499);
    // The cap bounds the jitter, not the server's own wait.
    expect(retryAfterDelay(59_900, 500, 60_000, () => 0.999_999)).toBe(60_000);
    expect(retryAfterDelay(60_000, 500, 60_000, () => 0.999_999)).toBe(60_000);
    expect(retryAfterDelay(2000, 500, 1000, () => 0.5)).toBe(2000);
  });

  it('sleeps Retry-After plus jitter, so clients told the same time do not return together', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    server = await startServer((seen, res, _req, index) =>
      index === 0
        ? sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '0' })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const { client, retries } = fastClient(server.stageUrl, { retryBaseDelayMs: 80 });

    await client.classify('x');

    expect(retries[0]?.delayMs).toBe(40);
    expect((server.requests[1]?.at ?? 0) - (server.requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(35);
  });
});

describe('Retries: which fetch failures are retried', () => {
  const ok = () => new Response(JSON.stringify(['label:x']), { status: 200, headers: { 'content-type': 'application/json' } });
  const withCode = (code: string, message = code) => Object.assign(new Error(message), { code });
  /** A fetch that throws `failures` in turn, then answers 200; it records how often it was called. */
  function failingFetch(...failures: unknown[]) {
    let calls = 0;
    const fetchImpl = async (): Promise<Response> => {
      const failure = failures[calls++];
      if (failure !== undefined) throw failure;
      return ok();
    };
    return { fetchImpl, calls: () => calls };
  }

  it.each([
    ['ECONNRESET on the cause', new TypeError('fetch failed', { cause: withCode('ECONNRESET') })],
    ['undici\'s socket error', new TypeError('fetch failed', { cause: withCode('UND_ERR_SOCKET', 'other side closed') })],
    ['a resolver that could not answer', new TypeError('fetch failed', { cause: withCode('EAI_AGAIN') })],
    ['no route to the host (EHOSTUNREACH)', new TypeError('fetch failed', { cause: withCode('EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.1:443') })],
    ['no route to the network (ENETUNREACH)', new TypeError('fetch failed', { cause: withCode('ENETUNREACH', 'connect ENETUNREACH 10.0.0.1:443') })],
    ['the local network down (ENETDOWN)', new TypeError('fetch failed', { cause: withCode('ENETDOWN', 'connect ENETDOWN 10.0.0.1:443') })],
    ['undici\'s closed connection (UND_ERR_CLOSED)', new TypeError('fetch failed', { cause: withCode('UND_ERR_CLOSED', 'The client is destroyed') })],
    [
      'ECONNREFUSED inside an AggregateError (happy eyeballs)',
      new TypeError('fetch failed', { cause: new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')]) }),
    ],
    ['a code deeper in the cause chain', new TypeError('terminated', { cause: new Error('x', { cause: withCode('ETIMEDOUT') }) })],
    ['a browser\'s network error', new TypeError('Failed to fetch')],
  ])('retries a transient network failure: %s', async (_case, failure) => {
    const { fetchImpl, calls } = failingFetch(failure, failure);
    const { client, retries } = fastClient('http://127.0.0.1:1/test', { fetch: fetchImpl });

    const label = await client.classify('x');

    expect(label).toBe('label:x');
    expect(calls()).toBe(3);
    expect(retries.map((r) => (r.error as ConnectionError).code)).toEqual(['connection_error', 'connection_error']);
  });

  it.each([
    ['an expired TLS certificate', new TypeError('fetch failed', { cause: withCode('CERT_HAS_EXPIRED', 'certificate has expired') })],
    ['an unknown host (ENOTFOUND)', new TypeError('fetch failed', { cause: withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND x.invalid') })],
    ['a TypeError without a cause from a custom fetch', new TypeError("Cannot read properties of undefined (reading 'agent')")],
    ['any other error from a custom fetch', new RangeError('Invalid array length')],
  ])('does not retry a permanent fetch failure, %s, and keeps it as the cause', async (_case, failure) => {
    const { fetchImpl, calls } = failingFetch(failure, failure);
    const { client, retries } = fastClient('http://127.0.0.1:1/test', { fetch: fetchImpl });

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('fetch_failed');
    expect((error as ConnectionError).cause).toBe(failure);
    expect(calls()).toBe(1);
    expect(retries).toHaveLength(0);
  });
});

describe('Retries: what is never retried', () => {
  it.each([
    [400, { error: 'texts[0] must be a string', code: 'invalid_input', requestId: 'r-400' }, BadRequestError],
    [403, { message: 'Forbidden' }, AuthenticationError],
    [413, { error: 'body over 1048576 bytes', code: 'payload_too_large', requestId: 'r-413' }, PayloadTooLargeError],
    [429, { message: 'Limit Exceeded' }, QuotaExceededError],
    [500, { error: 'internal error', code: 'internal', requestId: 'r-500' }, ServerError],
  ])('does not retry %i %j', async (status, body, errorClass) => {
    server = await startServer((_seen, res) => sendJson(res, status, body));
    const { client, retries } = fastClient(server.stageUrl);

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(errorClass);
    expect(server.requests).toHaveLength(1);
    expect(retries).toHaveLength(0);
  });

  it('does not wait for a Retry-After longer than maxRetryAfterMs', async () => {
    server = await startServer((_seen, res) => sendJson(res, 429, { message: 'Too Many Requests' }, { 'retry-after': '3600' }));
    const { client } = fastClient(server.stageUrl);

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RateLimitError);
    expect((error as RateLimitError).retryAfterMs).toBe(3_600_000);
    expect(server.requests).toHaveLength(1);
  });
});
