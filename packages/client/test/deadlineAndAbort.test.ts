import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, ClassifierClient, ServerError, TimeoutError } from '../src/index.js';
import { echoLabels, sendJson, startServer, type TestServer } from './helpers/server.js';

const API_KEY = 'abort-test-key';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const never = () => {
  // The server never answers: only the client's timer or signal ends the call.
};

async function settle<T>(promise: Promise<T>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('AbortSignal', () => {
  it('sends nothing when the signal is already aborted', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });
    const reason = new Error('user went away');

    const { error } = await settle(client.classify('x', { signal: AbortSignal.abort(reason) }));

    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).code).toBe('aborted');
    expect((error as AbortError).cause).toBe(reason);
    expect(server.requests).toHaveLength(0);
  });

  it('stops at once during a request and does not retry', async () => {
    const controller = new AbortController();
    // Abort once the server holds the request (and never answers it): the call is mid-request.
    server = await startServer(() => {
      setTimeout(() => controller.abort(), 20);
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, retryBaseDelayMs: 1 });

    const { error, ms } = await settle(client.classify('x', { signal: controller.signal }));
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(error).toBeInstanceOf(AbortError);
    expect(ms).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('stops at once during a backoff sleep', async () => {
    server = await startServer((_seen, res) => sendJson(res, 503, { message: 'Service Unavailable' }, { 'retry-after': '30' }));
    const controller = new AbortController();
    let sleeping = false;
    const client = new ClassifierClient({
      baseUrl: server.stageUrl,
      apiKey: API_KEY,
      // Abort once the client has decided to sleep, i.e. during the sleep.
      onRetry: () => {
        sleeping = true;
        setTimeout(() => controller.abort(), 50);
      },
    });

    const { error, ms } = await settle(client.classify('x', { signal: controller.signal }));

    expect(sleeping).toBe(true);
    expect(error).toBeInstanceOf(AbortError);
    // Retry-After asked for 30 s; the abort ended the sleep after ~50 ms.
    expect(ms).toBeLessThan(1000);
    expect(server.requests).toHaveLength(1);
  });

  it('works with a fetch that ignores its signal', async () => {
    server = await startServer(never);
    const client = new ClassifierClient({
      baseUrl: server.stageUrl,
      apiKey: API_KEY,
      timeoutMs: 60,
      maxRetries: 0,
      fetch: (input, init) => fetch(input, { ...init, signal: null }),
    });

    const { error, ms } = await settle(client.classify('x'));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(ms).toBeLessThan(1000);
  });
});

describe('Deadline', () => {
  it('ends a call that gets no answer at the deadline, before the per-attempt timeout', async () => {
    server = await startServer(never);
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, timeoutMs: 10_000, deadlineMs: 150 });

    const { error, ms } = await settle(client.classify('x'));

    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).code).toBe('deadline_exceeded');
    expect((error as TimeoutError).message).toBe('Deadline of 150 ms exceeded');
    // libuv times timers from the loop's cached clock, so on a busy machine they may fire a few ms early.
    expect(ms).toBeGreaterThanOrEqual(120);
    expect(ms).toBeLessThan(1500);
    // A deadline is final: no retry after it.
    expect(server.requests).toHaveLength(1);
  });

  it('bounds retries: throws the last error rather than sleep past the deadline', async () => {
    server = await startServer((_seen, res) => sendJson(res, 503, { message: 'Service Unavailable' }));
    const client = new ClassifierClient({
      baseUrl: server.stageUrl,
      apiKey: API_KEY,
      // Without the deadline: 100 sleeps of 0-60 ms, about 3 s.
      maxRetries: 100,
      retryBaseDelayMs: 60,
      retryMaxDelayMs: 60,
    });

    const { error, ms } = await settle(client.classify('x', { deadlineMs: 300 }));

    // Either the client saw the next sleep would cross the deadline and threw the 503 it had, or an
    // attempt that started just before the deadline was cut by it; both end the call on time.
    expect(
      error instanceof ServerError || (error instanceof TimeoutError && error.code === 'deadline_exceeded'),
    ).toBe(true);
    // Timers fire late on a loaded machine; the point is ending near 300 ms, not after ~3 s.
    expect(ms).toBeLessThan(1000);
    expect(server.requests.length).toBeGreaterThan(1);
    expect(server.requests.length).toBeLessThan(100);
  });

  it('fails at once when Retry-After points past the deadline', async () => {
    server = await startServer((_seen, res) => sendJson(res, 503, { message: 'Service Unavailable' }, { 'retry-after': '5' }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, deadlineMs: 1000 });

    const { error, ms } = await settle(client.classify('x'));

    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).retryAfterMs).toBe(5000);
    expect(ms).toBeLessThan(500);
    expect(server.requests).toHaveLength(1);
  });
});
