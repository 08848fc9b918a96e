import { AuthenticationError } from '@org/classifier-client';
import { describe, expect, it } from 'vitest';
import { ARTICLE } from '../src/constants.js';
import { suite } from './support.js';

const { raw, clientFor } = suite();
// 40 alphanumerics, like a real key, that no usage plan knows.
const WRONG_KEY = 'e2eWrongKey0000000000000000000000000000x';

const FORBIDDEN = { message: 'Forbidden' };
const MISSING_TOKEN = { message: 'Missing Authentication Token' };

describe('API keys (API Gateway answers before the function runs)', () => {
  it.each([
    ['POST /predict without a key', '/predict', 'POST', null],
    ['GET /model without a key', '/model', 'GET', null],
    ['POST /predict with a wrong key', '/predict', 'POST', WRONG_KEY],
    ['GET /model with a wrong key', '/model', 'GET', WRONG_KEY],
  ] as const)('answers 403 {"message":"Forbidden"} to %s', async (_name, path, method, apiKey) => {
    const res = await raw.request(path, { method, apiKey, ...(method === 'POST' ? { body: [ARTICLE.text] } : {}) });
    expect(res.status).toBe(403);
    expect(res.json).toEqual(FORBIDDEN);
  });

  it('makes the client throw AuthenticationError (forbidden) for a wrong key', async () => {
    const client = clientFor({ apiKey: WRONG_KEY });
    const err = await client.classify(ARTICLE.text).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 403, code: 'forbidden' });
    // The client never puts the key in what it throws.
    expect(JSON.stringify(err) + String(err)).not.toContain(WRONG_KEY);
  });
});

describe('routes the API does not have', () => {
  it.each([
    ['GET /nope', '/nope', 'GET'],
    ['POST /predict/extra', '/predict/extra', 'POST'],
    ['GET /predict (POST only)', '/predict', 'GET'],
    ['DELETE /model (GET only)', '/model', 'DELETE'],
  ] as const)('answers 403 {"message":"Missing Authentication Token"} to %s, even with a valid key', async (_name, path, method) => {
    const res = await raw.request(path, { method, ...(method === 'POST' ? { body: ['x'] } : {}) });
    expect(res.status).toBe(403);
    expect(res.json).toEqual(MISSING_TOKEN);
  });

  it('makes the client throw AuthenticationError (missing_authentication_token) for a base URL without the stage path', async () => {
    const client = clientFor({ baseUrl: `${raw.baseUrl}/nested/wrong` });
    const err = await client.model().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 403, code: 'missing_authentication_token' });
  });
});
