/**
 * A call sent as several requests that fails keeps, on the thrown error's `partial`, the results of
 * the batches that completed, so the caller resends only the rest.
 */
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ClassifierClient,
  ClassifierError,
  type PartialResults,
  QuotaExceededError,
  TimeoutError,
} from '../src/index.js';
import { echoLabels, type Handler, sendJson, startServer, type TestServer } from './helpers/server.js';

const API_KEY = 'partial-test-key';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const texts = (n: number) => Array.from({ length: n }, (_, i) => `post ${i}`);
const labelsOf = (list: readonly string[]) => list.map((text) => `label:${text}`);
/** The first text of a request's JSON array, which names its batch in these tests. */
const firstText = (body: string) => (JSON.parse(body) as string[])[0];

async function failure(promise: Promise<unknown>): Promise<ClassifierError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ClassifierError)) throw new Error(`expected a ClassifierError, got ${String(error)}`);
  return error;
}

/** The labels of a partial, failing the test when it is absent or of the rich form. */
function partialLabels(partial: PartialResults | undefined) {
  if (partial?.form !== 'labels') throw new Error(`expected partial labels, got ${inspect(partial)}`);
  return partial;
}

describe('ClassifierError.partial: a batch fails after others succeeded', () => {
  it('throws the batch error unchanged, with earlier labels at their positions; resending only the missing texts completes the list', async () => {
    let rejectPost6 = true;
    server = await startServer((seen, res) =>
      rejectPost6 && firstText(seen.body) === 'post 6'
        ? sendJson(res, 400, { error: 'texts[1] is invalid', code: 'invalid_input', index: 1, requestId: 'r-400' })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });
    const list = texts(10);

    const error = await failure(client.classify(list));

    // The class and fields a caller already relies on are as they were.
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_input', requestId: 'r-400', index: 7 });
    expect(error.message).toBe('400 texts[1] is invalid (texts[7] of the whole list; this request began at texts[6])');
    const { results, missing } = partialLabels(error.partial);
    expect(results).toEqual([...labelsOf(list.slice(0, 6)), undefined, undefined, undefined, undefined]);
    expect(missing).toEqual([6, 7, 8, 9]);
    expect(server.requests).toHaveLength(4);

    // The resume pattern of the docs: only the missing texts go out again.
    rejectPost6 = false;
    const rest = await client.classify(missing.map((i) => list[i]!));
    let next = 0;
    const merged = results.map((label) => label ?? rest[next++]);

    expect(merged).toEqual(labelsOf(list));
    // Every text was classified by exactly one successful request: none was paid for twice.
    const succeeded = server.requests.filter((_, i) => i !== 3).flatMap((r) => JSON.parse(r.body) as string[]);
    expect(succeeded.sort()).toEqual([...list].sort());
  });

  it('keeps Predictions for the rich form, narrowed by form', async () => {
    server = await startServer((seen, res) => {
      const { texts: batch } = JSON.parse(seen.body) as { texts: string[] };
      if (batch[0] === 'post 4') return sendJson(res, 500, { error: 'internal error', code: 'internal' });
      return sendJson(res, 200, {
        model: { name: 'm', version: 'v', sha256: 'a'.repeat(64) },
        predictions: batch.map((t) => ({ label: `label:${t}`, probability: 1, top: [{ label: `label:${t}`, probability: 1 }] })),
      });
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 4 });

    const error = await failure(client.classify(texts(10), { topK: 1 }));

    expect(error.code).toBe('internal');
    expect(error.partial?.form).toBe('predictions');
    if (error.partial?.form !== 'predictions') return;
    expect(error.partial.results.map((p) => p?.label)).toEqual([...labelsOf(texts(4)), ...Array<undefined>(6).fill(undefined)]);
    expect(error.partial.missing).toEqual([4, 5, 6, 7, 8, 9]);
  });

  it('with batchConcurrency 2, fails fast and keeps completed batches but never one aborted in flight', async () => {
    // Batch 0 answers at once; batch 1 is held and would answer only after the failure; batch 2,
    // started when batch 0 completed, fails.
    server = await startServer((seen, res) => {
      const first = firstText(seen.body);
      if (first === 'post 0') sendJson(res, 200, echoLabels(seen.body));
      else if (first === 'post 2') setTimeout(() => !res.destroyed && sendJson(res, 200, echoLabels(seen.body)), 300);
      else setTimeout(() => sendJson(res, 429, { message: 'Limit Exceeded' }), 30);
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, batchConcurrency: 2 });
    const started = performance.now();

    const error = await failure(client.classify(texts(10)));
    const ms = performance.now() - started;
    const { results, missing } = partialLabels(error.partial);
    const missingAtThrow = [...missing];
    // Past the held batch's answer: were it still running, it would have completed by now.
    await new Promise((resolve) => setTimeout(resolve, 400));

    expect(error).toBeInstanceOf(QuotaExceededError);
    expect(ms).toBeLessThan(300);
    expect(server.requests.map((r) => firstText(r.body)).sort()).toEqual(['post 0', 'post 2', 'post 4']);
    expect(results).toEqual([...labelsOf(texts(2)), ...Array<undefined>(8).fill(undefined)]);
    expect(missing).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(missing).toEqual(missingAtThrow);
  });
});

describe('ClassifierError.partial: the caller\'s signal or the deadline ends a split call', () => {
  /** Answers the first two batches; holds every later one without an answer. */
  const twoBatchesThenSilence =
    (onHeld: () => void): Handler =>
    (seen, res, _req, index) => {
      if (index < 2) sendJson(res, 200, echoLabels(seen.body));
      else onHeld();
    };

  it('keeps the completed batches on the AbortError when the signal fires mid-call', async () => {
    const controller = new AbortController();
    const reason = new Error('user went away');
    server = await startServer(twoBatchesThenSilence(() => setTimeout(() => controller.abort(reason), 20)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });

    const error = await failure(client.classify(texts(10), { signal: controller.signal }));

    expect(error).toBeInstanceOf(AbortError);
    expect(error).toMatchObject({ code: 'aborted', cause: reason, message: 'Request was aborted' });
    const { results, missing } = partialLabels(error.partial);
    expect(results).toEqual([...labelsOf(texts(4)), ...Array<undefined>(6).fill(undefined)]);
    expect(missing).toEqual([4, 5, 6, 7, 8, 9]);
    expect(server.requests).toHaveLength(3);
  });

  it('keeps the completed batches on the TimeoutError when the deadline runs out mid-call', async () => {
    server = await startServer(twoBatchesThenSilence(() => {}));
    // Room for the two answered batches on a loaded machine; the third waits for the deadline.
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, deadlineMs: 1000 });

    const error = await failure(client.classify(texts(10)));

    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ code: 'deadline_exceeded', message: 'Deadline of 1000 ms exceeded' });
    const { results, missing } = partialLabels(error.partial);
    expect(results).toEqual([...labelsOf(texts(4)), ...Array<undefined>(6).fill(undefined)]);
    expect(missing).toEqual([4, 5, 6, 7, 8, 9]);
  });
});

describe('ClassifierError.partial: absent when there is nothing to keep', () => {
  it('is undefined on a call that was one request', async () => {
    server = await startServer((_seen, res) => sendJson(res, 400, { error: 'texts[1] is invalid', code: 'invalid_input', index: 1 }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });

    const list = await failure(client.classify(['a', 'b']));
    const one = await failure(client.classify('a'));

    expect(list).toBeInstanceOf(BadRequestError);
    expect(list.partial).toBeUndefined();
    expect(one.partial).toBeUndefined();
    expect(server.requests).toHaveLength(2);
  });

  it('is undefined on a split call whose first batch fails', async () => {
    server = await startServer((_seen, res) => sendJson(res, 403, { message: 'Forbidden' }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, batchConcurrency: 2 });

    const error = await failure(client.classify(texts(10)));

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error.partial).toBeUndefined();
  });

  it('is undefined on a split call aborted before any request', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });

    const error = await failure(client.classify(texts(10), { signal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(AbortError);
    expect(error.partial).toBeUndefined();
    expect(server.requests).toHaveLength(0);
  });
});

describe('ClassifierError.partial: out of logs', () => {
  it('is not enumerable, so printing or serializing the error does not dump every result', async () => {
    server = await startServer((seen, res, _req, index) =>
      index === 1 ? sendJson(res, 503, { message: 'Service Unavailable' }) : sendJson(res, 200, echoLabels(seen.body)),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, maxRetries: 0 });

    const error = await failure(client.classify(texts(4)));

    expect(partialLabels(error.partial).results[0]).toBe('label:post 0');
    expect(Object.keys(error)).not.toContain('partial');
    expect(JSON.stringify(error)).not.toContain('label:post 0');
    expect(inspect(error, { depth: 5 })).not.toContain('label:post 0');
  });
});
