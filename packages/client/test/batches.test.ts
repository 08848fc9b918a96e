import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { completedResults, splitBatches, wrapperBytes } from '../src/batches.js';
import { AbortError, BadRequestError, ClassifierClient, PayloadTooLargeError } from '../src/index.js';
import { echoLabels, sendJson, startServer, type TestServer } from './helpers/server.js';
import { watchingProcess } from './helpers/processEvents.js';

const API_KEY = 'batch-test-key';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const texts = (n: number) => Array.from({ length: n }, (_, i) => `post ${i}`);

describe('Function: splitBatches', () => {
  it('splits by count, keeping order', () => {
    const batches = splitBatches(texts(600), 256, 1_000_000);

    expect(batches.map((b) => b.length)).toEqual([256, 256, 88]);
    expect(batches.flat()).toEqual(texts(600));
  });

  it('splits by the JSON body size, counting UTF-8 bytes and escapes', () => {
    // Each "é" is 2 bytes in UTF-8; each text's JSON is then 2 + 2*100 = 202 bytes, + 1 for the comma.
    const accented = Array.from({ length: 10 }, () => 'é'.repeat(100));
    // Brackets (2) + 4 texts (4 * 203) = 814 fits in 820; a 5th would not.
    expect(splitBatches(accented, 256, 820).map((b) => b.length)).toEqual([4, 4, 2]);
    // A newline is escaped to two bytes: "\n" * 100 -> 202 bytes, like the accented text.
    const newlines = Array.from({ length: 10 }, () => '\n'.repeat(100));
    expect(splitBatches(newlines, 256, 820).map((b) => b.length)).toEqual([4, 4, 2]);
  });

  it('counts the bytes a wrapper adds around the array against the limit', () => {
    // Each text: 98 bytes of JSON + 1 for the comma. As a bare array, 10 fit in 1000 (2 + 990);
    // with a 31-byte wrapper only 9 do (31 + 2 + 891 = 924, a 10th would make 1023).
    const filling = Array.from({ length: 20 }, () => 'x'.repeat(96));
    expect(splitBatches(filling, 256, 1000).map((b) => b.length)).toEqual([10, 10]);
    expect(splitBatches(filling, 256, 1000, 31).map((b) => b.length)).toEqual([9, 9, 2]);
    expect(wrapperBytes(JSON.stringify({ texts: [], topK: 3, explain: 5 }))).toBe(31);
  });

  it('gives a text over the byte limit a batch of its own', () => {
    const batches = splitBatches(['a', 'x'.repeat(5000), 'b'], 256, 1000);

    expect(batches.map((b) => b.length)).toEqual([1, 1, 1]);
  });
});

describe('Function: completedResults', () => {
  it('places completed batches at their texts\' positions and lists the others as missing', () => {
    const completed = completedResults([['a', 'b', 'c'], ['d'], ['e', 'f']], [['A', 'B', 'C'], undefined, ['E', 'F']]);

    expect(completed).toEqual({ results: ['A', 'B', 'C', undefined, 'E', 'F'], missing: [3] });
  });

  it('fills the gaps with undefined rather than holes, so map and forEach visit every position', () => {
    const completed = completedResults([['a'], ['b'], ['c']], [undefined, ['B'], undefined]);
    const visited: number[] = [];
    completed?.results.forEach((_, i) => visited.push(i));

    expect(visited).toEqual([0, 1, 2]);
  });

  it('is undefined when no batch completed', () => {
    expect(completedResults([['a'], ['b']], [undefined, undefined])).toBeUndefined();
  });
});

describe('Method: classify with batching', () => {
  it('sends 600 texts as 3 requests of at most maxBatchSize and reassembles labels in order', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 256 });

    const labels = await client.classify(texts(600));

    expect(server.requests.map((r) => (JSON.parse(r.body) as string[]).length)).toEqual([256, 256, 88]);
    expect(labels).toEqual(texts(600).map((t) => `label:${t}`));
  });

  it('keeps input order when concurrent batches finish out of order', async () => {
    // The first batch answers last.
    server = await startServer((seen, res, _req, index) => {
      setTimeout(() => sendJson(res, 200, echoLabels(seen.body)), index === 0 ? 200 : 60);
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 10, batchConcurrency: 3 });

    const labels = await client.classify(texts(50));

    expect(labels).toEqual(texts(50).map((t) => `label:${t}`));
    expect(server.requests).toHaveLength(5);
    expect(server.maxInFlight).toBe(3);
  });

  it('sends batches one at a time by default', async () => {
    server = await startServer((seen, res) => {
      setTimeout(() => sendJson(res, 200, echoLabels(seen.body)), 10);
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 5 });

    await client.classify(texts(20));

    expect(server.requests).toHaveLength(4);
    expect(server.maxInFlight).toBe(1);
  });

  it('batches the rich form too', async () => {
    server = await startServer((seen, res) => {
      const { texts: batch } = JSON.parse(seen.body) as { texts: string[] };
      sendJson(res, 200, {
        model: { name: 'm', version: 'v', sha256: 'a'.repeat(64) },
        predictions: batch.map((t) => ({ label: `label:${t}`, probability: 1, top: [{ label: `label:${t}`, probability: 1 }] })),
      });
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 4 });

    const predictions = await client.classify(texts(10), { topK: 1 });

    expect(server.requests).toHaveLength(3);
    expect(predictions.map((p) => p.label)).toEqual(texts(10).map((t) => `label:${t}`));
  });

  it('fails the call with the first batch error and starts no further batch', async () => {
    server = await startServer((seen, res, _req, index) =>
      index === 1
        ? sendJson(res, 400, { error: 'texts[0] is invalid', code: 'invalid_input', requestId: 'r-batch' })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });

    const error = await client.classify(texts(10)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).requestId).toBe('r-batch');
    expect(server.requests).toHaveLength(2);
  });

  it('aborts batches in flight when the caller aborts', async () => {
    const controller = new AbortController();
    // Never answers; aborts once both concurrent batches are at the server.
    server = await startServer((_seen, _res, _req, index) => {
      if (index === 1) setTimeout(() => controller.abort(), 20);
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, batchConcurrency: 2 });

    const error = await client.classify(texts(10), { signal: controller.signal }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(2);
  });
});

describe('Method: classify, text length and indexes in the caller\'s list', () => {
  it('rejects a text over maxTextChars (default 100,000) before any request, naming its index in the whole list', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });
    const list = texts(600);
    list[300] = 'x'.repeat(100_001);

    const error = await client.classify(list).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).code).toBe('payload_too_large');
    expect((error as PayloadTooLargeError).index).toBe(300);
    expect((error as PayloadTooLargeError).message).toBe('texts[300] has 100001 characters, more than maxTextChars (100000)');
    // No batch ran: none of its results would have reached the caller.
    expect(server.requests).toHaveLength(0);
  });

  it('accepts a text of exactly maxTextChars and checks one text and the rich form too', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxTextChars: 10 });

    const fits = await client.classify('x'.repeat(10));
    const one = await client.classify('x'.repeat(11)).catch((e: unknown) => e);
    const rich = await client.classify(['a', 'x'.repeat(11)], { topK: 1 }).catch((e: unknown) => e);

    expect(fits).toBe(`label:${'x'.repeat(10)}`);
    expect(one).toBeInstanceOf(PayloadTooLargeError);
    expect((one as PayloadTooLargeError).message).toBe('text has 11 characters, more than maxTextChars (10)');
    expect(rich).toBeInstanceOf(PayloadTooLargeError);
    expect((rich as PayloadTooLargeError).index).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it('reports a server error\'s index in the caller\'s numbering when the list was split', async () => {
    // A stage configured with a lower MAX_TEXT_CHARS than the client knows: the server counts in its batch.
    server = await startServer((seen, res, _req, index) =>
      index === 1
        ? sendJson(res, 413, {
            error: 'texts[44] has 60 characters, more than 50',
            code: 'payload_too_large',
            field: 'texts',
            index: 44,
            requestId: 'r-413',
          })
        : sendJson(res, 200, echoLabels(seen.body)),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 256 });

    const error = await client.classify(texts(600)).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error).toMatchObject({ status: 413, code: 'payload_too_large', requestId: 'r-413', index: 300 });
    // The body stays what the server said; the message says both.
    expect((error as PayloadTooLargeError).body).toMatchObject({ index: 44 });
    expect((error as PayloadTooLargeError).message).toBe(
      '413 texts[44] has 60 characters, more than 50 (texts[300] of the whole list; this request began at texts[256])',
    );
    expect(server.requests).toHaveLength(2);
  });

  it('keeps the server\'s index when the list went in one request', async () => {
    server = await startServer((_seen, res) =>
      sendJson(res, 400, { error: 'texts[1] is invalid', code: 'invalid_input', index: 1, requestId: 'r-400' }),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const error = await client.classify(['a', 'b']).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).index).toBe(1);
    expect((error as BadRequestError).message).toBe('400 texts[1] is invalid');
  });
});

describe('Method: classify, maxBatchBytes covers the whole body', () => {
  // The server's exact limit, as the endpoint's MAX_BODY_BYTES; the client is set to the same.
  const LIMIT = 1000;

  it('keeps every rich-form body, {"texts":...,"topK":k,"explain":n} included, within maxBatchBytes', async () => {
    server = await startServer((seen, res) => {
      if (Buffer.byteLength(seen.body) > LIMIT) {
        sendJson(res, 413, { error: `request body is larger than ${LIMIT} bytes`, code: 'payload_too_large', requestId: 'r-413' });
        return;
      }
      const { texts: batch } = JSON.parse(seen.body) as { texts: string[] };
      sendJson(res, 200, {
        model: { name: 'm', version: 'v', sha256: 'a'.repeat(64) },
        predictions: batch.map((t) => ({ label: `label:${t}`, probability: 1, top: [{ label: `label:${t}`, probability: 1 }] })),
      });
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchBytes: LIMIT, maxRetries: 0 });
    // Texts of 98 bytes of JSON: 10 fill the array budget (2 + 10 * 98 + 9 commas = 991 bytes), and the
    // wrapper's 31 bytes would push such a body to 1022.
    const filling = Array.from({ length: 30 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(94)}`);

    const predictions = await client.classify(filling, { topK: 3, explain: 5 });

    expect(predictions.map((p) => p.label)).toEqual(filling.map((t) => `label:${t}`));
    const sizes = server.requests.map((r) => Buffer.byteLength(r.body));
    expect(sizes.every((bytes) => bytes <= LIMIT)).toBe(true);
    // Still full batches, not a needlessly small split.
    expect(server.requests.map((r) => (JSON.parse(r.body) as { texts: string[] }).texts.length)).toEqual([9, 9, 9, 3]);
  });
});

describe('Method: classify, listeners of concurrent batches', () => {
  it('runs 16 batches at once without MaxListenersExceededWarning, and leaves no listener on the caller\'s signal', async () => {
    await watchingProcess('warning', async (warnings) => {
      const controller = new AbortController();
      // The most abort listeners the caller's signal held while the batches were in flight.
      let mostOnCallerSignal = 0;
      server = await startServer((seen, res) => {
        mostOnCallerSignal = Math.max(mostOnCallerSignal, getEventListeners(controller.signal, 'abort').length);
        // Answered a little later, so that all 16 batches are in flight together.
        setTimeout(() => sendJson(res, 200, echoLabels(seen.body)), 30);
      });
      const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2, batchConcurrency: 16 });

      const labels = await client.classify(texts(100), { signal: controller.signal });
      // process.emitWarning emits on the next tick.
      await new Promise((resolve) => setTimeout(resolve, 20));

      expect(labels).toEqual(texts(100).map((t) => `label:${t}`));
      // More than Node's default of 10 listeners if the batches shared one signal.
      expect(server.maxInFlight).toBeGreaterThan(10);
      expect((warnings as Error[]).filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      expect(mostOnCallerSignal).toBe(1);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    });
  });
});
