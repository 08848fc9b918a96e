import { afterEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ClassifierClient,
  ClassifierError,
  PayloadTooLargeError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  parseRetryAfter,
} from '../src/index.js';
import { sendJson, startServer, type TestServer } from './helpers/server.js';

describe('Static: ClassifierError.fromResponse', () => {
  it.each([
    // API Gateway's own answers (SPEC.md section 5): {"message"} and the request id in a header.
    [403, { message: 'Forbidden' }, { 'x-amzn-ErrorType': 'ForbiddenException' }, AuthenticationError, 'forbidden', '403 Forbidden'],
    [
      403,
      { message: 'Missing Authentication Token' },
      { 'x-amzn-ErrorType': 'MissingAuthenticationTokenException' },
      AuthenticationError,
      'missing_authentication_token',
      '403 Missing Authentication Token',
    ],
    [429, { message: 'Too Many Requests' }, {}, RateLimitError, 'too_many_requests', '429 Too Many Requests'],
    [429, { message: 'Limit Exceeded' }, {}, QuotaExceededError, 'limit_exceeded', '429 Limit Exceeded'],
    [502, { message: 'Internal server error' }, {}, ServerError, 'server_error', '502 Internal server error'],
    [504, { message: 'Endpoint request timed out' }, {}, ServerError, 'server_error', '504 Endpoint request timed out'],
    // The Lambda's answers: {"error", "code", "requestId"}.
    [400, { error: 'invalid JSON body', code: 'invalid_json' }, {}, BadRequestError, 'invalid_json', '400 invalid JSON body'],
    [413, { error: 'text over 100000 characters', code: 'payload_too_large' }, {}, PayloadTooLargeError, 'payload_too_large', '413 text over 100000 characters'],
    [500, { error: 'internal error', code: 'internal' }, {}, ServerError, 'internal', '500 internal error'],
    // Anything else: the base class, the status in the code.
    [404, 'Not Found', {}, ClassifierError, 'http_404', '404 Not Found'],
    [503, undefined, {}, ServerError, 'server_error', '503 status code (no body)'],
  ])('maps %i %j to the right class, code and message', (status, body, headers, errorClass, code, message) => {
    const error = ClassifierError.fromResponse(status, body, new Headers({ 'x-amzn-RequestId': 'hdr-id', ...headers }));

    expect(error).toBeInstanceOf(errorClass);
    expect(error).toBeInstanceOf(ClassifierError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(errorClass.name);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(error.message).toBe(message);
    expect(error.requestId).toBe('hdr-id');
    expect(error.body).toEqual(body);
  });

  it('prefers the body requestId over the x-amzn-RequestId header', () => {
    const error = ClassifierError.fromResponse(
      400,
      { error: 'texts[2] must be a string', code: 'invalid_input', index: 2, requestId: 'body-id' },
      new Headers({ 'x-amzn-RequestId': 'hdr-id' }),
    );

    expect(error.requestId).toBe('body-id');
    expect(error.serverMessage).toBe('texts[2] must be a string');
    expect((error.body as { index: number }).index).toBe(2);
  });

  it('recognises a quota answer by x-amzn-ErrorType alone', () => {
    const error = ClassifierError.fromResponse(429, {}, new Headers({ 'x-amzn-ErrorType': 'LimitExceededException:http://x' }));

    expect(error).toBeInstanceOf(QuotaExceededError);
  });

  it('reads Retry-After into retryAfterMs', () => {
    const error = ClassifierError.fromResponse(429, { message: 'Too Many Requests' }, new Headers({ 'retry-after': '3' }));

    expect(error.retryAfterMs).toBe(3000);
  });
});

describe('Function: parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['2', 2000],
    ['1.5', 1500],
    ['Wed, 21 Oct 2015 07:28:00 GMT', 2000],
    ['Wed, 21 Oct 2015 07:27:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ])('parses %j', (value, expected) => {
    expect(parseRetryAfter(value, Date.parse('Wed, 21 Oct 2015 07:27:58 GMT'))).toBe(expected);
  });

  it('returns undefined without a header', () => {
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe('Errors from a real server', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('carries status, code, requestId and the server message; the message never holds the key', async () => {
    const apiKey = 'secret-key-never-printed';
    server = await startServer((_seen, res) =>
      sendJson(res, 403, { message: 'Forbidden' }, { 'x-amzn-RequestId': 'f1e2d3', 'x-amzn-ErrorType': 'ForbiddenException' }),
    );
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey });

    const error = await client.model().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthenticationError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', requestId: 'f1e2d3', serverMessage: 'Forbidden' });
    expect((error as Error).message).toBe('403 Forbidden');
    expect(JSON.stringify(error)).not.toContain(apiKey);
    expect(String((error as Error).stack)).not.toContain(apiKey);
  });

  it('keeps a non-JSON error body as the message', async () => {
    server = await startServer((_seen, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<html>Bad Gateway</html>');
    });
    const client = new ClassifierClient({ baseUrl: server.stageUrl, apiKey: 'k', maxRetries: 0 });

    const error = await client.classify('x').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).message).toBe('502 <html>Bad Gateway</html>');
  });
});
