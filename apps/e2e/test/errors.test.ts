import { BadRequestError, PayloadTooLargeError } from '@org/classifier-client';
import { describe, expect, it } from 'vitest';
import { ENDPOINT_LIMITS } from '../src/constants.js';
import { parseErrorAnswer } from '../src/contract.js';
import { suite } from './support.js';

const { raw, clientFor } = suite();
// Errors that are not retried must fail on the first attempt: count the attempts.
let attempts = 0;
const client = clientFor({ fetch: (input, init) => ((attempts += 1), fetch(input, init)) });

interface ErrorCase {
  readonly name: string;
  /** A string is sent as is (not JSON-encoded). */
  readonly body: unknown;
  readonly status: 400 | 413;
  readonly code: string;
  readonly field?: string;
  readonly index?: number;
}

const { maxTexts, maxTextChars, maxBodyBytes, maxExplain } = ENDPOINT_LIMITS;
// Under the text limit each, over the body limit together (and under the 256-text limit).
const bigText = 'x'.repeat(60_000);
const overBody = Array.from({ length: Math.ceil(maxBodyBytes / bigText.length) + 1 }, () => bigText);

// SPEC section 5: every error is JSON with `error`, `code` and `requestId`, naming the field or index.
const CASES: readonly ErrorCase[] = [
  { name: 'a body that is not JSON', body: '{"texts": ["a", ', status: 400, code: 'invalid_json', field: 'body' },
  { name: 'an empty body', body: '', status: 400, code: 'invalid_json', field: 'body' },
  { name: 'a JSON number', body: '42', status: 400, code: 'invalid_input', field: 'body' },
  { name: 'JSON null', body: 'null', status: 400, code: 'invalid_input', field: 'body' },
  { name: 'an empty object', body: {}, status: 400, code: 'invalid_input' },
  { name: 'a number in the array, at index 1', body: ['a', 1, 'b'], status: 400, code: 'invalid_input', field: 'texts', index: 1 },
  { name: 'null in texts, at index 2', body: { texts: ['a', 'b', null] }, status: 400, code: 'invalid_input', field: 'texts', index: 2 },
  { name: 'a nested array, at index 0', body: [['a']], status: 400, code: 'invalid_input', field: 'texts', index: 0 },
  { name: 'text that is not a string', body: { text: 5 }, status: 400, code: 'invalid_input', field: 'text' },
  { name: 'texts that is not an array', body: { texts: 'a' }, status: 400, code: 'invalid_input', field: 'texts' },
  { name: 'both text and texts', body: { text: 'a', texts: ['b'] }, status: 400, code: 'invalid_input' },
  { name: 'an unknown field', body: { texts: ['a'], top_k: 3 }, status: 400, code: 'invalid_input', field: 'top_k' },
  { name: 'topK 0', body: { text: 'a', topK: 0 }, status: 400, code: 'invalid_input', field: 'topK' },
  { name: 'topK over the number of labels', body: { text: 'a', topK: 21 }, status: 400, code: 'invalid_input', field: 'topK' },
  { name: 'a fractional topK', body: { text: 'a', topK: 1.5 }, status: 400, code: 'invalid_input', field: 'topK' },
  { name: `explain over ${maxExplain}`, body: { text: 'a', explain: maxExplain + 1 }, status: 400, code: 'invalid_input', field: 'explain' },
  { name: `${maxTexts + 1} texts`, body: Array.from({ length: maxTexts + 1 }, () => 'a'), status: 413, code: 'payload_too_large', field: 'texts' },
  { name: `a text of ${maxTextChars + 1} characters, at index 1`, body: ['a', 'y'.repeat(maxTextChars + 1)], status: 413, code: 'payload_too_large', field: 'texts', index: 1 },
  { name: `a rich text of ${maxTextChars + 1} characters`, body: { text: 'y'.repeat(maxTextChars + 1) }, status: 413, code: 'payload_too_large', field: 'text' },
  { name: `a body over ${maxBodyBytes} bytes`, body: overBody, status: 413, code: 'payload_too_large', field: 'body' },
];

describe('POST /predict errors (SPEC section 5)', () => {
  it.each(CASES)('answers $status $code for $name', async (c) => {
    // Act
    const res = await raw.post('/predict', c.body);
    // Assess: the status, the contract, the location, and the request id that matches API Gateway's header.
    expect(res.status, res.text.slice(0, 300)).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const answer = parseErrorAnswer(res);
    if (typeof answer === 'string') throw new Error(answer);
    expect(answer.kind).toBe('function');
    expect(answer).toMatchObject({ code: c.code, error: expect.any(String), requestId: expect.any(String) });
    if (c.field !== undefined) expect(res.json).toMatchObject({ field: c.field });
    if (c.index !== undefined) expect(res.json).toMatchObject({ index: c.index });
    expect(answer.kind === 'function' && answer.requestId).toBe(res.headers.get('x-amzn-requestid'));
  });
});

describe('client errors for invalid requests', () => {
  it('throws BadRequestError (400, invalid_input, field topK) after one attempt', async () => {
    attempts = 0;
    const err = await client.classify('a', { topK: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, code: 'invalid_input', requestId: expect.any(String) });
    expect((err as BadRequestError).body).toMatchObject({ field: 'topK' });
    expect(attempts).toBe(1);
  });

  it('refuses a text over the limit before sending it, naming its index', async () => {
    attempts = 0;
    const err = await client.classify(['fine', 'z'.repeat(maxTextChars + 1)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err).toMatchObject({ code: 'payload_too_large', index: 1 });
    expect(attempts).toBe(0);
  });

  it('throws PayloadTooLargeError (413, payload_too_large) from the stage for a text a lenient client lets through, after one attempt', async () => {
    attempts = 0;
    const lenient = clientFor({ maxTextChars: maxTextChars + 1, fetch: (input, init) => ((attempts += 1), fetch(input, init)) });
    const err = await lenient.classify('z'.repeat(maxTextChars + 1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err).toMatchObject({ status: 413, code: 'payload_too_large', requestId: expect.any(String) });
    expect(attempts).toBe(1);
  });
});
