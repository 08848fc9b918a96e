import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStage, startLocalStage } from '../src/index.js';
import { BEHAVIOUR_HANDLER, writeStackFixture } from './helpers/stackFixture.js';

let stage: LocalStage;
const lines: string[] = [];

beforeAll(async () => {
  const f = writeStackFixture({
    handlerSource: BEHAVIOUR_HANDLER,
    routes: [
      { path: '/predict', method: 'POST', apiKeyRequired: true },
      { path: '/model', method: 'GET', apiKeyRequired: true },
      { path: '/echo', method: 'ANY' },
      { path: '/items/{id}', method: 'GET' },
      { path: '/files/{proxy+}', method: 'ANY' },
    ],
    binaryMediaTypes: ['application/octet-stream'],
  });
  stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, log: (l) => lines.push(l) });
});
afterAll(() => stage?.close());

const call = (path: string, init: RequestInit & { key?: string | null } = {}) => {
  const headers = new Headers(init.headers);
  const key = init.key === undefined ? stage.apiKey : init.key;
  if (key !== null) headers.set('x-api-key', key);
  return fetch(`${stage.url}${path}`, { ...init, headers });
};
const root = () => stage.url.replace(/\/test$/, '');

describe('stage, routes and methods', () => {
  it.each([
    ['POST', '/predict', 200],
    ['POST', '/predict/', 200], // trailing slash names the same resource
    ['GET', '/model', 200],
    ['GET', '/predict', 403], // method the resource lacks
    ['DELETE', '/model', 403],
    ['POST', '/nope', 403],
    ['GET', '/', 403], // the root resource has no method
    ['PATCH', '/echo', 200], // ANY
    ['GET', '/items/42', 200],
    ['GET', '/items/42/more', 403],
    ['GET', '/files/a/b/c.txt', 200],
  ])('%s %s -> %i', async (method, path, status) => {
    const res = await call(path, { method, ...(method === 'POST' ? { body: '[]' } : {}) });
    expect(res.status).toBe(status);
    if (status === 403) {
      expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
      expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
    }
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 403 Forbidden for a stage the API does not have', async () => {
    const res = await fetch(`${root()}/prod/predict`, { method: 'POST', headers: { 'x-api-key': stage.apiKey } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'Forbidden' });
  });

  it('gives path parameters, greedy and plain', async () => {
    const a = (await (await call('/items/42')).json()) as { event: Record<string, unknown> };
    expect(a.event.pathParameters).toEqual({ id: '42' });
    expect(a.event.resource).toBe('/items/{id}');
    const b = (await (await call('/files/a/b/c.txt')).json()) as { event: Record<string, unknown> };
    expect(b.event.pathParameters).toEqual({ proxy: 'a/b/c.txt' });
  });
});

describe('API key', () => {
  it.each([
    ['missing', null, 403],
    ['wrong', 'x'.repeat(40), 403],
    ['empty', '', 403],
    ['right', undefined, 200],
  ])('%s key -> %i', async (_name, key, status) => {
    const res = await call('/predict', { method: 'POST', body: '[]', key: key as string | null | undefined });
    expect(res.status).toBe(status);
    if (status === 403) {
      expect(await res.json()).toEqual({ message: 'Forbidden' });
      expect(res.headers.get('x-amzn-errortype')).toBe('ForbiddenException');
    }
  });

  it('generates a 40-character key and does not log it', () => {
    expect(stage.apiKey).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(lines.join('\n')).not.toContain(stage.apiKey);
    expect(stage.summary).not.toContain(stage.apiKey);
  });

  it('is not checked on methods that do not require it', async () => {
    expect((await call('/echo', { key: null })).status).toBe(200);
  });
});

describe('REST v1 proxy event', () => {
  it('has every field, with null where AWS sends null', async () => {
    const res = await call('/predict', {
      method: 'POST',
      body: '["hello"]',
      headers: { 'Content-Type': 'application/json', 'X-Custom': 'a', 'User-Agent': 'vitest-agent' },
    });
    const { event, context } = (await res.json()) as { event: Record<string, any>; context: Record<string, any> };
    expect(Object.keys(event).sort()).toEqual(
      ['body', 'headers', 'httpMethod', 'isBase64Encoded', 'multiValueHeaders', 'multiValueQueryStringParameters', 'path', 'pathParameters', 'queryStringParameters', 'requestContext', 'resource', 'stageVariables'].sort(),
    );
    expect(event).toMatchObject({
      resource: '/predict',
      path: '/predict',
      httpMethod: 'POST',
      body: '["hello"]',
      isBase64Encoded: false,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      pathParameters: null,
      stageVariables: null,
    });
    expect(event.headers['X-Custom']).toBe('a');
    expect(event.multiValueHeaders['X-Custom']).toEqual(['a']);
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.headers['X-Amzn-Trace-Id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const rc = event.requestContext;
    expect(rc).toMatchObject({
      resourcePath: '/predict',
      httpMethod: 'POST',
      path: '/test/predict',
      accountId: '000000000000',
      protocol: 'HTTP/1.1',
      stage: 'test',
      requestId: res.headers.get('x-amzn-requestid'),
      extendedRequestId: res.headers.get('x-amz-apigw-id'),
      domainName: '127.0.0.1',
    });
    expect(rc.requestTime).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(rc.requestTimeEpoch - Date.now())).toBeLessThan(5000);
    expect(rc.resourceId).toMatch(/^[a-z0-9]{10}$/);
    expect(rc.apiId).toMatch(/^[a-z0-9]{10}$/);
    expect(rc.identity).toMatchObject({ apiKey: stage.apiKey, sourceIp: '127.0.0.1', userAgent: 'vitest-agent', user: null });
    expect(rc.identity.apiKeyId).toMatch(/^[a-z0-9]{10}$/);
    // The invocation's own id is Lambda's, not API Gateway's (next case).
    expect(context.awsRequestId).not.toBe(rc.requestId);
  });

  it("gives the invocation Lambda's own request id, and logs it next to API Gateway's", async () => {
    const res = await call('/predict', { method: 'POST', body: '[]' });
    const { event, context } = (await res.json()) as { event: Record<string, any>; context: Record<string, any> };
    const gatewayId = res.headers.get('x-amzn-requestid');
    const lambdaId = context.awsRequestId as string;
    // API Gateway's id in the event and the response header; another one for the invocation.
    expect(event.requestContext.requestId).toBe(gatewayId);
    expect(lambdaId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lambdaId).not.toBe(gatewayId);
    // Lambda's lines carry the invocation's id only ...
    expect(lines.some((l) => l.startsWith(`REPORT RequestId: ${lambdaId}\t`))).toBe(true);
    expect(lines.some((l) => /^(START|END|REPORT) /.test(l) && l.includes(gatewayId!))).toBe(false);
    // ... and the stage's line for the request names both.
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${gatewayId} POST /test/predict -> 200 \\(Lambda RequestId ${lambdaId}, integration latency \\d+ ms\\)$`)));
  });

  it('keeps repeated headers and query parameters', async () => {
    const res = await fetch(`${stage.url}/echo?a=1&a=2&b=x%20y&c`, { headers: [['X-Multi', 'one'], ['X-Multi', 'two']] });
    const { event } = (await res.json()) as { event: Record<string, any> };
    expect(event.queryStringParameters).toEqual({ a: '2', b: 'x y', c: '' });
    expect(event.multiValueQueryStringParameters).toEqual({ a: ['1', '2'], b: ['x y'], c: [''] });
    expect(event.multiValueHeaders['X-Multi'] ?? event.multiValueHeaders['x-multi']).toEqual(['one, two']);
    expect(event.body).toBeNull();
    expect(event.requestContext.identity.apiKey).toBeNull();
  });

  it('passes a top-level JSON string body unchanged', async () => {
    const res = await call('/predict', { method: 'POST', body: '"a single post"' });
    const { event } = (await res.json()) as { event: Record<string, any> };
    expect(event.body).toBe('"a single post"');
  });

  it('base64-encodes only bodies of a declared binary media type', async () => {
    const bytes = new Uint8Array([0xff, 0x00, 0xfe, 0x41]);
    const bin = (await (await call('/echo', { method: 'POST', body: bytes, headers: { 'content-type': 'application/octet-stream' } })).json()) as { event: any };
    expect(bin.event).toMatchObject({ isBase64Encoded: true, body: Buffer.from(bytes).toString('base64') });
    const text = (await (await call('/echo', { method: 'POST', body: bytes, headers: { 'content-type': 'text/plain' } })).json()) as { event: any };
    expect(text.event.isBase64Encoded).toBe(false);
    expect(text.event.body).toBe(Buffer.from(bytes).toString('utf8'));
  });
});

describe('response mapping', () => {
  const respond = (result: unknown, headers: Record<string, string> = {}) =>
    fetch(`${stage.url}/echo?do=respond`, { method: 'POST', body: JSON.stringify(result), headers });

  it('maps statusCode, headers, multiValueHeaders and body', async () => {
    const res = await respond({
      statusCode: 201,
      headers: { 'X-One': '1', 'Content-Type': 'text/plain', 'X-Num': 5 },
      multiValueHeaders: { 'X-Many': ['a', 'b'], 'X-One': ['1', '2'] },
      body: 'created',
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('created');
    expect(res.headers.get('content-type')).toBe('text/plain');
    expect(res.headers.get('x-num')).toBe('5');
    expect(res.headers.get('x-many')).toBe('a, b');
    expect(res.headers.get('x-one')).toBe('1, 2');
    expect(res.headers.get('x-amz-apigw-id')).toBeTruthy();
  });

  it('defaults Content-Type to application/json and allows an absent body', async () => {
    const res = await respond({ statusCode: 204 });
    expect(res.status).toBe(204);
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it('decodes a base64 body only for a binary media type the client accepts', async () => {
    const b64 = Buffer.from([1, 2, 3]).toString('base64');
    const bin = await respond({ statusCode: 200, isBase64Encoded: true, body: b64, headers: { 'Content-Type': 'application/octet-stream' } }, { accept: 'application/octet-stream' });
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const txt = await respond({ statusCode: 200, isBase64Encoded: true, body: b64 }, { accept: 'application/json' });
    expect(await txt.text()).toBe(b64);
    // Only the first type of the Accept header counts.
    const first = await respond({ statusCode: 200, isBase64Encoded: true, body: b64 }, { accept: 'application/octet-stream, text/plain' });
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const later = await respond({ statusCode: 200, isBase64Encoded: true, body: b64 }, { accept: 'text/plain, application/octet-stream' });
    expect(await later.text()).toBe(b64);
  });

  it.each([
    ['an array', [1, 2]],
    ['a string', 'hello'],
    ['null', null],
    ['no statusCode', { body: 'x' }],
    ['an object body', { statusCode: 200, body: { a: 1 } }],
    ['an unknown key', { statusCode: 200, body: 'x', cookies: [] }],
    ['an object header value', { statusCode: 200, headers: { a: { b: 1 } } }],
    ['a non-array multiValueHeaders value', { statusCode: 200, multiValueHeaders: { a: 'b' } }],
    ['a statusCode out of range', { statusCode: 99 }],
    ['a header value with a line break', { statusCode: 200, headers: { 'x-a': 'b\r\nx-injected: 1' } }],
    ['a header name with a space', { statusCode: 200, headers: { 'x a': 'b' } }],
    ['a multi-value header with a line break', { statusCode: 200, multiValueHeaders: { 'x-a': ['ok', 'b\nc'] } }],
    ['a header value outside Latin-1', { statusCode: 200, headers: { 'x-name': 'caf\u00e9 \u2713' } }],
    ['a multi-value header value outside Latin-1', { statusCode: 200, multiValueHeaders: { 'x-name': ['ok', '\u2713'] } }],
    ['a header value with a control character', { statusCode: 200, headers: { 'x-a': 'b\u0001' } }],
  ])('answers 502 for a malformed result: %s', async (_name, result) => {
    const res = await respond(result);
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    expect(res.headers.get('x-amzn-errortype')).toBe('InternalServerErrorException');
  });

  it('passes header values with Latin-1 characters', async () => {
    const res = await respond({ statusCode: 200, headers: { 'x-name': 'caf\u00e9\tau lait' }, body: 'x' });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-name')).toBe('caf\u00e9\tau lait');
  });

  it("drops the function's hop-by-hop headers, and renames Connection", async () => {
    const hopByHop = {
      'Transfer-Encoding': 'chunked',
      'Keep-Alive': 'timeout=5',
      Upgrade: 'h2c',
      TE: 'trailers',
      Trailer: 'X-Checksum',
      'Proxy-Authenticate': 'Basic',
      'Proxy-Authorization': 'Basic eDp5',
    };
    const res = await respond({
      statusCode: 200,
      headers: { ...hopByHop, Connection: 'close', 'X-Kept': '1' },
      multiValueHeaders: { 'transfer-encoding': ['chunked'] },
      body: 'hello',
    });
    // With Transfer-Encoding next to Content-Length the client could not even parse the answer.
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('hello');
    expect(res.headers.get('content-length')).toBe('5');
    // (Keep-Alive may be there, this stage's own for the client's connection: never the function's.)
    for (const [name, value] of Object.entries(hopByHop)) expect(res.headers.get(name) ?? '', name).not.toContain(value);
    expect(res.headers.get('x-amzn-remapped-connection')).toBe('close');
    expect(res.headers.get('x-kept')).toBe('1');
  });
});

describe('limits and errors', () => {
  it('answers 413 for a body over 10 MB', async () => {
    const res = await call('/predict', { method: 'POST', body: new Uint8Array(10 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ message: 'Request Too Long' });
  });

  it('answers 500 for a request past the 6 MB Lambda invocation limit, and 502 for such a response', async () => {
    const res = await call('/echo', { method: 'POST', body: new Uint8Array(7 * 1024 * 1024) });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    const big = await call('/echo?do=big&mb=7');
    expect(big.status).toBe(502);
    expect((await call('/echo?do=big&mb=5')).status).toBe(200);
  });

  it('delivers a response of 6 MiB + 100 bytes, as Lambda does, and answers 502 for one byte more', async () => {
    const limit = 6 * 1024 * 1024 + 100;
    const atLimit = await call(`/echo?do=size&bytes=${limit}`);
    expect(atLimit.status).toBe(200);
    expect((await atLimit.text()).length).toBe(limit - 28);
    const over = await call(`/echo?do=size&bytes=${limit + 1}`);
    expect(over.status).toBe(502);
    expect(lines.some((l) => l.endsWith(`Lambda response payload over ${limit} bytes: 502`))).toBe(true);
  });

  it('answers 502 when the handler throws, and keeps serving', async () => {
    const res = await call('/echo?do=throw');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    expect(lines.some((l) => l.includes('Invoke Error') && l.includes('"errorType":"TypeError"'))).toBe(true);
    expect((await call('/echo')).status).toBe(200);
  });
});
