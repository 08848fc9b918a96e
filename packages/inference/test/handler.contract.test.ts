import { publicManifest } from '@org/classifier-artifact';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureStdout } from './helpers/capture.js';
import { fakeContext } from './helpers/context.js';
import { loadEvent, predictEvent } from './helpers/events.js';
import { tinyHandler } from './helpers/tinyHandler.js';

type Tiny = Awaited<ReturnType<typeof tinyHandler>>;
const REQUEST_ID = 'f88e38e3-2060-4a56-93c0-9efbc6a659a0';

function body(res: APIGatewayProxyResult): any {
  expect(res.headers?.['Content-Type']).toBe('application/json');
  return JSON.parse(res.body);
}

function expectError(res: APIGatewayProxyResult, status: number, code: string, where: { field?: string; index?: number } = {}) {
  expect(res.statusCode).toBe(status);
  const b = body(res);
  expect(typeof b.error).toBe('string');
  expect(b.code).toBe(code);
  expect(b.requestId).toBe(REQUEST_ID);
  expect(res.headers?.['x-request-id']).toBe(REQUEST_ID);
  for (const [k, v] of Object.entries(where)) expect(b[k]).toBe(v);
  expect(res.body).not.toMatch(/\n\s+at /); // no stack trace
  return b;
}

describe('Handler contract (tiny explain model)', () => {
  let t: Tiny;
  let out: ReturnType<typeof captureStdout>;
  beforeAll(async () => {
    t = await tinyHandler('explain', { MAX_TEXTS: '4', MAX_TEXT_CHARS: '50', MAX_BODY_BYTES: '2000' });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    out = captureStdout();
    t.emf.length = 0;
  });
  afterEach(() => out.restore());

  describe('POST /predict, article forms', () => {
    it('answers a JSON array of strings with an array of labels', async () => {
      const res = await t.handler(predictEvent(['nasa rocket', 'oven recipe']), fakeContext());
      expect(res.statusCode).toBe(200);
      expect(body(res)).toEqual(['space', 'cooking']);
      expect(res.headers?.['x-request-id']).toBe(REQUEST_ID);
    });

    it('answers a single JSON string with an array of one label', async () => {
      const res = await t.handler(predictEvent('the team scored a goal'), fakeContext());
      expect(body(res)).toEqual(['sports']);
    });

    it('accepts empty strings and an empty array', async () => {
      expect(body(await t.handler(predictEvent(['']), fakeContext()))).toHaveLength(1);
      expect(body(await t.handler(predictEvent([]), fakeContext()))).toEqual([]);
    });

    it('decodes base64 bodies', async () => {
      const ev = loadEvent('predict-base64');
      ev.body = Buffer.from(JSON.stringify(['orbit'])).toString('base64');
      expect(body(await t.handler(ev, fakeContext()))).toEqual(['space']);
    });

    it('serves the article direct invocation ({"body": ...} only, or a parsed list)', async () => {
      const direct = { body: JSON.stringify(['orbit']) } as never;
      expect(body(await t.handler(direct, fakeContext()))).toEqual(['space']);
      const parsed = { body: ['oven'] } as never;
      expect(body(await t.handler(parsed, fakeContext()))).toEqual(['cooking']);
    });

    it('accepts a trailing slash on the path (the article URL has one)', async () => {
      const ev = predictEvent(['orbit']);
      ev.resource = '/predict/';
      ev.path = '/predict/';
      expect(body(await t.handler(ev, fakeContext()))).toEqual(['space']);
    });
  });

  describe('POST /predict, rich form', () => {
    it('returns model info, topK labels and explanations', async () => {
      const res = await t.handler(predictEvent({ texts: ['oven oven nasa'], topK: 2, explain: 2 }), fakeContext());
      const b = body(res);
      expect(b.model).toEqual({ name: t.manifest.name, version: t.manifest.version, sha256: t.manifest.sha256 });
      expect(b.predictions).toHaveLength(1);
      const [p] = b.predictions;
      expect(p.label).toBe('cooking');
      expect(p.top).toHaveLength(2);
      expect(p.top[0].label).toBe('cooking');
      expect(p.explanation.map((e: { token: string }) => e.token)).toEqual(['oven', 'nasa']);
    });

    it('answers the captured rich-form event (topK 3, explain 5)', async () => {
      // Default limits: the captured event's text is longer than this suite's 50-character limit.
      const wide = await tinyHandler('explain');
      const b = body(await wide.handler(loadEvent('predict-rich'), fakeContext()));
      await wide.close();
      expect(b.predictions).toHaveLength(1);
      expect(b.predictions[0].top).toHaveLength(3);
      expect(Array.isArray(b.predictions[0].explanation)).toBe(true);
    });

    it('accepts {"text": ...} and omits explanation when explain is 0 or absent', async () => {
      const b = body(await t.handler(predictEvent({ text: 'orbit', explain: 0 }), fakeContext()));
      expect(b.predictions[0].label).toBe('space');
      expect(b.predictions[0]).not.toHaveProperty('explanation');
      expect(b.predictions[0].top).toHaveLength(1);
    });

    it.each([
      [{ texts: ['a'], topK: 0 }, 'topK'],
      [{ texts: ['a'], topK: 4 }, 'topK'],
      [{ texts: ['a'], topK: 1.5 }, 'topK'],
      [{ texts: ['a'], topK: '2' }, 'topK'],
      [{ texts: ['a'], explain: 51 }, 'explain'],
      [{ texts: ['a'], explain: -1 }, 'explain'],
      [{ texts: ['a'], extra: true }, 'extra'],
      [{ texts: 'a' }, 'texts'],
      [{ text: ['a'] }, 'text'],
      [{ text: 'a', texts: ['a'] }, 'texts'],
      [{}, 'text'],
    ])('rejects %j with 400 invalid_input naming the field', async (payload, field) => {
      expectError(await t.handler(predictEvent(payload), fakeContext()), 400, 'invalid_input', { field });
    });

    it('names the array index of a non-string text', async () => {
      expectError(await t.handler(predictEvent({ texts: ['a', 'b', 3] }), fakeContext()), 400, 'invalid_input', { field: 'texts', index: 2 });
      expectError(await t.handler(predictEvent(['a', null]), fakeContext()), 400, 'invalid_input', { index: 1 });
    });
  });

  describe('errors', () => {
    it('answers invalid JSON, empty and non-UTF-8 bodies with 400 invalid_json', async () => {
      expectError(await t.handler(predictEvent('{"texts": [', true), fakeContext()), 400, 'invalid_json', { field: 'body' });
      expectError(await t.handler(predictEvent(null, true), fakeContext()), 400, 'invalid_json', { field: 'body' });
      const ev = loadEvent('predict-base64');
      ev.body = Buffer.from([0xff, 0xfe, 0x5b]).toString('base64');
      expectError(await t.handler(ev, fakeContext()), 400, 'invalid_json');
    });

    it('answers JSON that is neither string, array nor object with 400 invalid_input', async () => {
      for (const v of ['42', 'true', 'null']) {
        expectError(await t.handler(predictEvent(v, true), fakeContext()), 400, 'invalid_input', { field: 'body' });
      }
    });

    it('answers over-limit bodies, batches and texts with 413 payload_too_large', async () => {
      expectError(await t.handler(predictEvent(['x'.repeat(2001)]), fakeContext()), 413, 'payload_too_large', { field: 'body' });
      expectError(await t.handler(predictEvent(['a', 'b', 'c', 'd', 'e']), fakeContext()), 413, 'payload_too_large', { field: 'texts' });
      expectError(await t.handler(predictEvent(['ok', 'y'.repeat(51)]), fakeContext()), 413, 'payload_too_large', { index: 1 });
      expectError(await t.handler(predictEvent({ text: 'z'.repeat(51) }), fakeContext()), 413, 'payload_too_large', { field: 'text' });
      const ev = loadEvent('predict-base64');
      ev.body = Buffer.from(JSON.stringify(['q'.repeat(3000)])).toString('base64');
      expectError(await t.handler(ev, fakeContext()), 413, 'payload_too_large');
    });

    it('answers unknown routes with 404 and wrong methods with 405, in JSON', async () => {
      expectError(await t.handler(loadEvent('predict-article', { resource: '/nope', path: '/nope' }), fakeContext()), 404, 'not_found', { field: 'path' });
      const res = await t.handler(loadEvent('predict-article', { resource: '/model', path: '/model', httpMethod: 'DELETE' }), fakeContext());
      expectError(res, 405, 'method_not_allowed', { field: 'httpMethod' });
      expect(res.statusCode).toBe(405);
      expect(res.headers?.Allow).toBe('GET');
    });

    it("falls back to the Lambda context's awsRequestId when the event has none", async () => {
      const ev = predictEvent('{', true);
      (ev.requestContext as { requestId?: string }).requestId = undefined;
      const b = body(await t.handler(ev, fakeContext({ awsRequestId: 'ctx-id' })));
      expect(b.requestId).toBe('ctx-id');
    });
  });

  describe('GET /model', () => {
    it('answers the public manifest', async () => {
      const res = await t.handler(loadEvent('model-get'), fakeContext());
      expect(res.statusCode).toBe(200);
      expect(body(res)).toEqual(JSON.parse(JSON.stringify(publicManifest(t.manifest))));
    });
  });

  describe('observability', () => {
    it('logs one structured line per request with request id, model version, batch size, duration, cold start', async () => {
      await t.handler(predictEvent(['nasa', 'oven']), fakeContext());
      const line = out.lines().find((l) => l.message === 'request');
      expect(line).toMatchObject({ level: 'INFO', service: 'classifier-test', requestId: REQUEST_ID, modelVersion: t.manifest.version, batchSize: 2, status: 200 });
      expect(typeof line?.durationMs).toBe('number');
      expect(typeof line?.coldStart).toBe('boolean');
    });

    it('writes EMF: latency, batch size, mean top probability, OOV rate, predictions per label', async () => {
      await t.handler(predictEvent(['nasa', 'orbit', 'oven unknownword']), fakeContext());
      const docs = t.emf.join('').trim().split('\n').map((l) => JSON.parse(l));
      const [main, ...perLabel] = docs;
      expect(main._aws.CloudWatchMetrics[0].Metrics.map((m: { Name: string }) => m.Name)).toEqual(['Latency', 'BatchSize', 'MeanTopProbability', 'OovTokenRate']);
      expect(main.BatchSize).toBe(3);
      expect(main.OovTokenRate).toBeCloseTo(0.25, 6);
      expect(perLabel.map((d) => [d.label, d.Predictions])).toEqual([['space', 2], ['cooking', 1]]);
      expect(perLabel[0]._aws.CloudWatchMetrics[0].Dimensions).toEqual([['service', 'label']]);
    });

    it('answers 500 with a generic body and logs the details when prediction throws', async () => {
      const broken = await tinyHandler('explain');
      // Release the session under the handler: the next run throws inside onnxruntime.
      await broken.close().catch(() => undefined);
      const res = await broken.handler(predictEvent(['nasa']), fakeContext());
      const b = expectError(res, 500, 'internal');
      expect(b.error).toBe('internal error');
      const logged = out.lines().find((l) => l.message === 'internal error');
      expect(logged?.requestId).toBe(REQUEST_ID);
      expect(JSON.stringify(logged)).toMatch(/error/);
    });
  });
});

describe('Handler contract (bring-your-own model)', () => {
  it('answers explain > 0 with 400 explain_unsupported and serves everything else', async () => {
    const t = await tinyHandler('byo');
    const out = captureStdout();
    try {
      expectError(await t.handler(predictEvent({ text: 'orbit', explain: 3 }), fakeContext()), 400, 'explain_unsupported', { field: 'explain' });
      expect(body(await t.handler(predictEvent(['orbit']), fakeContext()))).toEqual(['space']);
      const m = body(await t.handler(loadEvent('model-get'), fakeContext()));
      expect(m.explain).toBe(false);
    } finally {
      out.restore();
      await t.close();
    }
  });
});

describe('Class: RequestLog', () => {
  it('writes one Powertools-shaped JSON line, and nothing above INFO', async () => {
    const { RequestLog } = await import('../src/observability/requestLog.js');
    const lines: string[] = [];
    const fields = { requestId: 'a"b', modelVersion: 'v1', status: 200, batchSize: 3, durationMs: 0.12345, coldStart: true };
    new RequestLog({ service: 'svc', level: 'INFO', write: (l) => lines.push(l) }).log(fields);
    new RequestLog({ service: 'svc', level: 'WARN', write: (l) => lines.push(l) }).log(fields);
    new RequestLog({ service: 'svc', level: 'SILENT', write: (l) => lines.push(l) }).log(fields);
    expect(lines).toHaveLength(1);
    const parsed = JSON.parse(lines[0] as string);
    expect(parsed).toMatchObject({ level: 'INFO', message: 'request', service: 'svc', requestId: 'a"b', durationMs: 0.123, coldStart: true });
    expect(new Date(parsed.timestamp).toISOString()).toBe(parsed.timestamp);
  });
});
