import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { BadRequestError, ClassifierClient, ClassifierError, UnexpectedResponseError } from '../src/index.js';
import { echoLabels, sendJson, startServer, type TestServer } from './helpers/server.js';
import { watchingProcess } from './helpers/processEvents.js';

const API_KEY = 'test-key-0123456789';

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const MODEL_REF = { name: 'newsgroups', version: 'v-1a2b3c', sha256: 'a'.repeat(64) };

describe('Constructor', () => {
  it.each([
    ['baseUrl missing', { apiKey: API_KEY }, /baseUrl is required/],
    ['baseUrl empty', { baseUrl: '  ', apiKey: API_KEY }, /baseUrl is required/],
    ['apiKey missing', { baseUrl: 'http://127.0.0.1:1/test' }, /apiKey is required/],
    ['apiKey empty', { baseUrl: 'http://127.0.0.1:1/test', apiKey: '' }, /apiKey is required/],
    ['baseUrl not a URL', { baseUrl: 'not a url', apiKey: API_KEY }, /baseUrl is not a URL/],
    ['baseUrl not http', { baseUrl: 'ftp://example.com/test', apiKey: API_KEY }, /must be http\(s\)/],
    ['maxBatchSize 0', { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, maxBatchSize: 0 }, /maxBatchSize/],
    ['maxRetries -1', { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, maxRetries: -1 }, /maxRetries/],
    ['timeoutMs NaN', { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, timeoutMs: Number.NaN }, /timeoutMs/],
    ['maxTextChars 0', { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, maxTextChars: 0 }, /maxTextChars/],
    // setTimeout fires after 1 ms for anything over 2^31 - 1 ms: such a timeout would end every attempt at once.
    [
      'timeoutMs over the timer limit',
      { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, timeoutMs: Number.MAX_SAFE_INTEGER },
      /timeoutMs must be at most 2147483647 ms/,
    ],
    ['deadlineMs over the timer limit', { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, deadlineMs: 2 ** 31 }, /deadlineMs must be at most/],
    [
      'retryMaxDelayMs over the timer limit',
      { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, retryMaxDelayMs: 2 ** 31 },
      /retryMaxDelayMs must be at most/,
    ],
    [
      'maxRetryAfterMs over the timer limit',
      { baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, maxRetryAfterMs: 1e12 },
      /maxRetryAfterMs must be at most/,
    ],
  ])('throws a clear error when %s', (_case, options, message) => {
    // Act
    const construct = () => new ClassifierClient(options as never);

    // Assess
    expect(construct).toThrow(ClassifierError);
    expect(construct).toThrow(message);
  });

  it('accepts the longest duration setTimeout supports, and rejects a longer one per call too', async () => {
    const client = new ClassifierClient({ baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY, timeoutMs: 2_147_483_647 });

    const error = await client.classify('x', { timeoutMs: 2_147_483_648 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ClassifierError);
    expect((error as ClassifierError).code).toBe('invalid_options');
    expect((error as ClassifierError).message).toMatch(/timeoutMs must be at most 2147483647 ms/);
  });

  it.each([
    ['an API key with a line break', { apiKey: 'key-line1\nkey-line2' }, 'key-line1', /apiKey is not a valid HTTP header value/],
    ['an API key with NUL', { apiKey: 'key-with\u0000nul' }, 'key-with', /apiKey is not a valid HTTP header value/],
    [
      'a header value with a line break',
      { apiKey: API_KEY, headers: { authorization: 'Bearer secret-token\r\nx-evil: 1' } },
      'secret-token',
      /headers\["authorization"\] is not a valid HTTP header/,
    ],
    ['a header name with a space', { apiKey: API_KEY, headers: { 'x trace': 'trace-value-123' } }, 'trace-value-123', /headers\["x trace"\]/],
  ])('rejects %s in the constructor without quoting the value', (_case, options, secret, message) => {
    const construct = () => new ClassifierClient({ baseUrl: 'http://127.0.0.1:1/test', ...options });

    const error = (() => {
      try {
        construct();
      } catch (e) {
        return e;
      }
      return undefined;
    })();

    expect(error).toBeInstanceOf(ClassifierError);
    expect((error as ClassifierError).code).toBe('invalid_options');
    expect((error as ClassifierError).message).toMatch(message);
    // Not in the message, the stack, or a cause (fetch's TypeError quotes the value).
    expect((error as ClassifierError).cause).toBeUndefined();
    expect(String((error as ClassifierError).stack)).not.toContain(secret);
    expect(inspect(error, { depth: 5 })).not.toContain(secret);
  });

  it('leaves no timer behind to reject unhandled when the API key cannot be sent', async () => {
    // Before the constructor checked the key, the attempt threw building its headers after starting
    // its timeout timer; the timer then rejected a promise no one handled, which ends a Node process.
    await watchingProcess('unhandledRejection', async (unhandled) => {
      const outcome = await (async () => {
        const client = new ClassifierClient({ baseUrl: 'http://127.0.0.1:1/test', apiKey: 'bad\nkey', timeoutMs: 20, maxRetries: 0 });
        return client.classify('x');
      })().catch((e: unknown) => e);
      // Past the attempt's timeout, so a leaked timer has fired.
      await new Promise((resolve) => setTimeout(resolve, 80));

      expect(outcome).toBeInstanceOf(ClassifierError);
      expect((outcome as ClassifierError).code).toBe('invalid_options');
      expect(unhandled).toEqual([]);
    });
  });

  it('never shows the API key when the client is inspected or serialized', () => {
    const client = new ClassifierClient({ baseUrl: 'http://127.0.0.1:1/test', apiKey: API_KEY });

    expect(inspect(client, { showHidden: true, depth: 5 })).not.toContain(API_KEY);
    expect(JSON.stringify(client)).not.toContain(API_KEY);
  });
});

describe('Method: classify (labels)', () => {
  it('POSTs a JSON array to <baseUrl>/predict with x-api-key and returns the label', async () => {
    // Prepare
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    // Act
    const label = await client.classify('Is there a god?');

    // Assess
    expect(label).toBe('label:Is there a god?');
    expect(server.requests).toHaveLength(1);
    const [seen] = server.requests;
    expect(seen?.method).toBe('POST');
    expect(seen?.url).toBe('/test/predict');
    expect(seen?.headers['x-api-key']).toBe(API_KEY);
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen?.body ?? '')).toEqual(['Is there a god?']);
  });

  it('tolerates trailing slashes on baseUrl', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: `${server.stageUrl}//`, apiKey: API_KEY });

    await client.classify('x');

    expect(client.baseUrl).toBe(server.stageUrl);
    expect(server.requests[0]?.url).toBe('/test/predict');
  });

  it('returns labels of a list in order, and [] for an empty list without a request', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const labels = await client.classify(['b', 'a', '', 'c']);
    const none = await client.classify([]);

    expect(labels).toEqual(['label:b', 'label:a', 'label:', 'label:c']);
    expect(none).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('sends extra headers but keeps its own x-api-key', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({
      baseUrl: server.stageUrl,
      apiKey: API_KEY,
      headers: { 'X-Api-Key': 'someone-else', 'x-trace-id': 'abc' },
    });

    await client.classify('x');

    expect(server.requests[0]?.headers['x-api-key']).toBe(API_KEY);
    expect(server.requests[0]?.headers['x-trace-id']).toBe('abc');
  });

  it('rejects a non-string text locally, naming its index in the whole list', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, maxBatchSize: 2 });

    const error = await client.classify(['a', 'b', 'c', 42] as unknown as string[]).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toBe('texts[3] must be a string, got number');
    expect((error as BadRequestError).index).toBe(3);
    expect(server.requests).toHaveLength(0);
  });

  it('throws UnexpectedResponseError when a 200 is not an array of one label per text', async () => {
    server = await startServer((_seen, res) => sendJson(res, 200, ['only-one'], { 'x-amzn-RequestId': 'req-200' }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const error = await client.classify(['a', 'b']).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).status).toBe(200);
    expect((error as UnexpectedResponseError).requestId).toBe('req-200');
    expect(server.requests).toHaveLength(1);
  });
});

describe('Method: classify (rich form)', () => {
  const richAnswer = (body: string) => {
    const { texts } = JSON.parse(body) as { texts: string[] };
    return {
      model: MODEL_REF,
      predictions: texts.map((text) => ({
        label: `label:${text}`,
        probability: 0.9,
        top: [
          { label: `label:${text}`, probability: 0.9 },
          { label: 'other', probability: 0.1 },
        ],
        explanation: [{ token: text, weight: 1.5 }],
      })),
    };
  };

  it('sends {texts, topK, explain} and returns one Prediction for one text', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, richAnswer(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const prediction = await client.classify('gpu', { topK: 2, explain: 5 });

    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ texts: ['gpu'], topK: 2, explain: 5 });
    expect(prediction.label).toBe('label:gpu');
    expect(prediction.top).toHaveLength(2);
    expect(prediction.explanation).toEqual([{ token: 'gpu', weight: 1.5 }]);
  });

  it('omits the field not asked for and returns Predictions of a list in order', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, richAnswer(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const predictions = await client.classify(['x', 'y'], { topK: 1 });

    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ texts: ['x', 'y'], topK: 1 });
    expect(predictions.map((p) => p.label)).toEqual(['label:x', 'label:y']);
  });

  it('uses the article form when only request options are given', async () => {
    server = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const label = await client.classify('x', { timeoutMs: 5000, signal: new AbortController().signal });

    expect(label).toBe('label:x');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual(['x']);
  });
});

describe('Method: model', () => {
  it('GETs <baseUrl>/model with x-api-key and returns the public manifest', async () => {
    const manifest = {
      ...MODEL_REF,
      labels: ['alt.atheism', 'comp.graphics'],
      createdAt: '2025-11-28T12:00:00.000Z',
      metrics: { accuracy: 0.85, macroF1: 0.84 },
      explain: true,
    };
    server = await startServer((_seen, res) => sendJson(res, 200, manifest));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const info = await client.model();

    expect(info).toEqual(manifest);
    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.url).toBe('/test/model');
    expect(server.requests[0]?.headers['x-api-key']).toBe(API_KEY);
    expect(server.requests[0]?.headers['content-type']).toBeUndefined();
  });
});

describe('Redirects', () => {
  let other: TestServer | undefined;
  afterEach(async () => {
    await other?.close();
    other = undefined;
  });

  it('does not follow a 307 to another origin: the API key and texts stay home, and the call fails typed', async () => {
    // Prepare: another origin (another port) that would answer if the client followed.
    other = await startServer((seen, res) => sendJson(res, 200, echoLabels(seen.body)));
    const otherOrigin = other.stageUrl.replace('127.0.0.1', 'localhost');
    server = await startServer((_seen, res) => {
      res.writeHead(307, { location: `${otherOrigin}/predict?token=in-the-query`, 'x-amzn-RequestId': 'req-307' });
      res.end();
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY, retryBaseDelayMs: 1 });

    // Act
    const error = await client.classify('secret text').catch((e: unknown) => e);

    // Assess
    expect(other.requests).toHaveLength(0);
    expect(error).toBeInstanceOf(UnexpectedResponseError);
    const redirect = error as UnexpectedResponseError;
    expect(redirect.status).toBe(307);
    expect(redirect.code).toBe('redirect');
    expect(redirect.requestId).toBe('req-307');
    expect(redirect.message).toContain('307 redirect of POST /predict');
    expect(redirect.message).toContain(new URL(otherOrigin).host);
    // Not retried, and the key (or the Location's query) never in the error.
    expect(server.requests).toHaveLength(1);
    expect(inspect(error, { depth: 5 })).not.toContain(API_KEY);
    expect(redirect.message).not.toContain('in-the-query');
  });
});

describe('Validation of 200 answers', () => {
  const manifest = {
    ...MODEL_REF,
    labels: ['alt.atheism', 'comp.graphics'],
    createdAt: '2025-11-28T12:00:00.000Z',
    explain: false,
  };

  it.each([
    ['a label that is not a string', { ...manifest, labels: ['alt.atheism', 1] }],
    ['labels missing', { ...manifest, labels: undefined }],
    ['createdAt not a string', { ...manifest, createdAt: 1_764_331_200_000 }],
    ['createdAt missing', { ...manifest, createdAt: undefined }],
    ['explain not a boolean', { ...manifest, explain: 'yes' }],
    ['explain missing', { ...manifest, explain: undefined }],
    ['metrics without numbers', { ...manifest, metrics: { accuracy: '0.9', macroF1: 0.8 } }],
    ['sha256 missing', { ...manifest, sha256: undefined }],
  ])('rejects a GET /model answer with %s as UnexpectedResponseError', async (_case, body) => {
    server = await startServer((_seen, res) => sendJson(res, 200, body, { 'x-amzn-RequestId': 'req-model' }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const error = await client.model().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).code).toBe('unexpected_response');
    expect((error as UnexpectedResponseError).requestId).toBe('req-model');
    expect(server.requests).toHaveLength(1);
  });

  it('accepts a GET /model answer without metrics', async () => {
    server = await startServer((_seen, res) => sendJson(res, 200, manifest));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    await expect(client.model()).resolves.toEqual(manifest);
  });

  const prediction = {
    label: 'comp.graphics',
    probability: 0.9,
    top: [{ label: 'comp.graphics', probability: 0.9 }],
    explanation: [{ token: 'gpu', weight: 1.5 }],
  };

  it.each([
    ['a top entry that is not an object', { ...prediction, top: [null, 'x'] }],
    ['a top entry without a string label', { ...prediction, top: [{ label: 3, probability: 0.9 }] }],
    ['a top entry without a number probability', { ...prediction, top: [{ label: 'comp.graphics', probability: '0.9' }] }],
    ['an explanation that is not an array', { ...prediction, explanation: 'gpu' }],
    ['an explanation entry without a string token', { ...prediction, explanation: [{ token: null, weight: 1.5 }] }],
    ['an explanation entry without a number weight', { ...prediction, explanation: [{ token: 'gpu', weight: 'high' }] }],
  ])('rejects a rich POST /predict answer with %s as UnexpectedResponseError', async (_case, body) => {
    server = await startServer((_seen, res) =>
      sendJson(res, 200, { model: MODEL_REF, predictions: [body] }, { 'x-amzn-RequestId': 'req-rich' }),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    const error = await client.classify('gpu', { topK: 1, explain: 1 }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(UnexpectedResponseError);
    expect((error as UnexpectedResponseError).code).toBe('unexpected_response');
    expect((error as UnexpectedResponseError).requestId).toBe('req-rich');
    expect(server.requests).toHaveLength(1);
  });

  it('accepts a rich answer without an explanation', async () => {
    const { explanation: _, ...plain } = prediction;
    server = await startServer((_seen, res) => sendJson(res, 200, { model: MODEL_REF, predictions: [plain] }));
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: API_KEY });

    await expect(client.classify('gpu', { topK: 1 })).resolves.toEqual(plain);
  });
});
