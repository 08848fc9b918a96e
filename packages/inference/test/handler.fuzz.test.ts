import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureStdout } from './helpers/capture.js';
import { fakeContext } from './helpers/context.js';
import { loadEvent, predictEvent } from './helpers/events.js';
import { tinyHandler } from './helpers/tinyHandler.js';

const CODES = new Set(['invalid_json', 'invalid_input', 'explain_unsupported', 'payload_too_large', 'not_found', 'method_not_allowed']);

/** The contract every answer keeps: JSON, a request id header, and for errors the error shape. */
function checkContract(res: APIGatewayProxyResult): void {
  expect(res.statusCode).toBeLessThan(500);
  expect(res.headers?.['Content-Type']).toBe('application/json');
  expect(typeof res.headers?.['x-request-id']).toBe('string');
  const b = JSON.parse(res.body);
  if (res.statusCode >= 400) {
    expect(typeof b.error).toBe('string');
    expect(CODES.has(b.code)).toBe(true);
    expect(typeof b.requestId).toBe('string');
    expect(b.field !== undefined || b.index !== undefined).toBe(true);
  } else {
    expect(res.statusCode).toBe(200);
  }
}

// Anything JSON can express, biased towards the shapes the handler looks at.
const jsonValue = fc.oneof(
  fc.jsonValue(),
  fc.array(fc.oneof(fc.string(), fc.jsonValue()), { maxLength: 8 }),
  fc.record(
    {
      text: fc.oneof(fc.string(), fc.jsonValue()),
      texts: fc.oneof(fc.array(fc.string(), { maxLength: 6 }), fc.jsonValue()),
      topK: fc.oneof(fc.integer({ min: -2, max: 6 }), fc.double(), fc.jsonValue()),
      explain: fc.oneof(fc.integer({ min: -2, max: 60 }), fc.jsonValue()),
      other: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

describe('Property: request bodies and events never cause a 5xx or break the error contract', () => {
  let t: Awaited<ReturnType<typeof tinyHandler>>;
  let out: ReturnType<typeof captureStdout>;
  beforeAll(async () => {
    t = await tinyHandler('explain', { MAX_TEXTS: '5', MAX_TEXT_CHARS: '40', MAX_BODY_BYTES: '600' });
  });
  afterAll(() => t.close());
  beforeEach(() => {
    out = captureStdout();
  });
  afterEach(() => out.restore());

  it('any JSON body', async () => {
    await fc.assert(
      fc.asyncProperty(jsonValue, async (value) => {
        checkContract(await t.handler(predictEvent(value), fakeContext()));
      }),
      { numRuns: 300 },
    );
  });

  it('any string body, raw or base64-encoded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), fc.boolean(), async (raw, b64) => {
        const ev = predictEvent(b64 ? Buffer.from(raw).toString('base64') : raw, true);
        ev.isBase64Encoded = b64;
        checkContract(await t.handler(ev, fakeContext()));
      }),
      { numRuns: 300 },
    );
  });

  it('any texts (unicode, control characters, long) in the rich form', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('grapheme', 'binary', 'grapheme-ascii') as never, maxLength: 60 }), { maxLength: 7 }),
        fc.integer({ min: 0, max: 50 }),
        async (texts, explain) => {
          const res = await t.handler(predictEvent({ texts, topK: 3, explain }), fakeContext());
          checkContract(res);
          if (res.statusCode === 200) expect(JSON.parse(res.body).predictions).toHaveLength(texts.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('mangled events: missing or odd fields, methods, paths', async () => {
    const mangle = fc.record(
      {
        httpMethod: fc.oneof(fc.constantFrom('GET', 'POST', 'PUT', 'post', ''), fc.jsonValue()),
        resource: fc.oneof(fc.constantFrom('/predict', '/model', '/', '/predict/', '/x'), fc.string(), fc.jsonValue()),
        path: fc.oneof(fc.constantFrom('/predict', '/model'), fc.jsonValue()),
        body: fc.oneof(fc.string(), fc.jsonValue()),
        isBase64Encoded: fc.jsonValue(),
        requestContext: fc.oneof(fc.constant(undefined), fc.jsonValue()),
        headers: fc.jsonValue(),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(mangle, async (m) => {
        const ev = { ...loadEvent('predict-article'), ...m } as unknown as APIGatewayProxyEvent;
        checkContract(await t.handler(ev, fakeContext()));
      }),
      { numRuns: 300 },
    );
  });
});
