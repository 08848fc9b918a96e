/**
 * One error hierarchy for everything a call can fail with. A caller catches by class and reads
 * `status`, `code` and `requestId`; the message starts with the status and says what the server said.
 */

import { parseRetryAfter } from './retryAfter.js';
import type { PartialResults } from './types.js';

/** Anything with a case-insensitive `get`, such as fetch's `Headers`. */
export interface HeaderLookup {
  get(name: string): string | null;
}

/** What a {@link ClassifierError} may carry. */
export interface ClassifierErrorOptions {
  /** The HTTP status, when the server answered. */
  status?: number | undefined;
  /** A machine-readable code: the Lambda's `code`, else one this client assigns (see each class). */
  code?: string | undefined;
  /** The request id: the body's `requestId`, else API Gateway's `x-amzn-RequestId` header. */
  requestId?: string | undefined;
  /** What the server said: the Lambda's `error` or API Gateway's `message`. */
  serverMessage?: string | undefined;
  /** The parsed JSON body of the answer (or its text when it was not JSON). */
  body?: unknown;
  /** How long the server asked the client to wait (`Retry-After`). */
  retryAfterMs?: number | undefined;
  /** The position of the offending text in the caller's list. */
  index?: number | undefined;
  /** The underlying error (a network error, an abort reason). */
  cause?: unknown;
  /** What a call sent as several requests had completed before it failed; see {@link ClassifierError.partial}. */
  partial?: PartialResults | undefined;
}

/**
 * The base of every error this client throws.
 *
 * @example
 * ```ts
 * try {
 *   await client.classify(text);
 * } catch (err) {
 *   if (err instanceof ClassifierError) console.error(err.status, err.code, err.requestId, err.message);
 *   throw err;
 * }
 * ```
 */
export class ClassifierError extends Error {
  override name = 'ClassifierError';
  /** The HTTP status; `undefined` when no answer arrived (timeout, connection, abort). */
  readonly status: number | undefined;
  /** A machine-readable code, e.g. `invalid_input`, `forbidden`, `limit_exceeded`, `timeout`. */
  readonly code: string | undefined;
  /** The request id to quote when asking the API's owners; `undefined` when none came back. */
  readonly requestId: string | undefined;
  /** What the server said, without the status prefix. */
  readonly serverMessage: string | undefined;
  /**
   * The parsed answer body, as the server sent it, for fields such as the Lambda's `field` or
   * `index`. Its `index` counts within the one request; {@link ClassifierError.index} counts in
   * the caller's list.
   */
  readonly body: unknown;
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /**
   * The position of the offending text in the list the caller passed to `classify`, also when
   * the list was sent in several batches (the server's `index` plus the batch's offset), or when the
   * client rejected the text before sending it. `undefined` when no single text is at fault.
   */
  readonly index: number | undefined;
  /**
   * The results a call already had when it failed, so that you resend only the texts that have
   * none. Set when `classify` sent your list as several requests (longer than `maxBatchSize` or
   * `maxBatchBytes`) and at least one of them completed before the failure, whatever the failure:
   * a batch's error after its retries, your `signal`, or the `deadlineMs`. With
   * `batchConcurrency > 1` the first failure still aborts the batches in flight at once; those
   * have no result, the ones that completed before it keep theirs.
   *
   * `undefined` when the call was one request (a single text, a short list, `model()`), when it
   * failed before any request, and when no batch completed: then nothing is kept and the whole list
   * is to be sent again.
   *
   * Not enumerable, unlike the other fields: it can hold one result per text of a 100,000-text
   * list, which loggers that print or serialize an error's own fields should not dump.
   *
   * @example
   * ```ts
   * let labels: string[];
   * try {
   *   labels = await client.classify(posts);
   * } catch (err) {
   *   if (!(err instanceof ClassifierError) || err.partial?.form !== 'labels') throw err;
   *   // Resend only the texts without a label: the others were classified, and counted by the quota.
   *   const { results, missing } = err.partial;
   *   const rest = await client.classify(missing.map((i) => posts[i]!));
   *   let next = 0;
   *   labels = results.map((label) => label ?? rest[next++]!);
   * }
   * ```
   */
  declare readonly partial: PartialResults | undefined;

  constructor(message: string, options: ClassifierErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.requestId = options.requestId;
    this.serverMessage = options.serverMessage;
    this.body = options.body;
    this.retryAfterMs = options.retryAfterMs;
    this.index = options.index;
    Object.defineProperty(this, 'partial', { value: options.partial, enumerable: false });
  }

  /**
   * Maps an HTTP error answer to its class: `400` {@link BadRequestError}, `401`/`403`
   * {@link AuthenticationError}, `413` {@link PayloadTooLargeError}, `429` {@link QuotaExceededError}
   * when API Gateway says `Limit Exceeded` (the usage plan's quota) else {@link RateLimitError},
   * `5xx` {@link ServerError}, anything else the base class.
   *
   * @param status the HTTP status
   * @param body the parsed JSON body, or the raw text when it was not JSON
   * @param headers the answer's headers (for `x-amzn-RequestId`, `x-amzn-ErrorType`, `Retry-After`)
   * @example
   * ```ts
   * const err = ClassifierError.fromResponse(429, { message: 'Limit Exceeded' }, new Headers());
   * err instanceof QuotaExceededError; // true
   * ```
   */
  static fromResponse(status: number, body: unknown, headers?: HeaderLookup): ClassifierError {
    const record = isRecord(body) ? body : undefined;
    // The Lambda answers {"error", "code", "requestId"}; API Gateway answers {"message"} and puts the
    // request id in a header (SPEC.md section 5).
    const serverMessage =
      stringField(record, 'error') ??
      stringField(record, 'message') ??
      (typeof body === 'string' && body.trim() !== '' ? truncate(body.trim(), 200) : undefined);
    const requestId = stringField(record, 'requestId') ?? headers?.get('x-amzn-requestid') ?? undefined;
    // x-amzn-ErrorType looks like "ForbiddenException" or "ForbiddenException:http://internal..."
    const errorType = headers?.get('x-amzn-errortype')?.split(':')[0] ?? undefined;
    const retryAfterMs = parseRetryAfter(headers?.get('retry-after') ?? null);
    const message = `${status} ${serverMessage ?? 'status code (no body)'}`;
    const index = record?.index;
    const options = (defaultCode: string): ClassifierErrorOptions => ({
      status,
      code: stringField(record, 'code') ?? defaultCode,
      requestId,
      serverMessage,
      body,
      retryAfterMs,
      index: Number.isInteger(index) ? (index as number) : undefined,
    });

    if (status === 400) return new BadRequestError(message, options('bad_request'));
    if (status === 401 || status === 403) {
      // API Gateway's answer to a path or method the API lacks: usually a wrong baseUrl.
      const missingToken =
        errorType === 'MissingAuthenticationTokenException' || /missing authentication token/i.test(serverMessage ?? '');
      return new AuthenticationError(message, options(missingToken ? 'missing_authentication_token' : 'forbidden'));
    }
    if (status === 413) return new PayloadTooLargeError(message, options('payload_too_large'));
    if (status === 429) {
      const quota = errorType === 'LimitExceededException' || /limit exceeded/i.test(serverMessage ?? '');
      return quota
        ? new QuotaExceededError(message, options('limit_exceeded'))
        : new RateLimitError(message, options('too_many_requests'));
    }
    if (status >= 500) return new ServerError(message, options('server_error'));
    return new ClassifierError(message, options(`http_${status}`));
  }
}

/**
 * `403` (or `401`): the API key is missing or wrong (`code: "forbidden"`), or the path or method does
 * not exist on the API (`code: "missing_authentication_token"`, usually a wrong `baseUrl`). Not retried.
 */
export class AuthenticationError extends ClassifierError {
  override name = 'AuthenticationError';
}

/**
 * `429 Too Many Requests`: over the usage plan's rate or burst. Retried with backoff; thrown when the
 * retries run out. `code: "too_many_requests"`.
 */
export class RateLimitError extends ClassifierError {
  override name = 'RateLimitError';
}

/**
 * `429 Limit Exceeded`: the usage plan's quota (per day, week or month) is used up. Not retried:
 * waiting seconds does not help. `code: "limit_exceeded"`.
 */
export class QuotaExceededError extends ClassifierError {
  override name = 'QuotaExceededError';
}

/** `400`: the request was invalid; `code` is the Lambda's (`invalid_json`, `invalid_input`, ...). Not retried. */
export class BadRequestError extends ClassifierError {
  override name = 'BadRequestError';
}

/**
 * `413`: the body, the batch or one text is over the stage's limits. Also thrown before any request,
 * without a status, for a text over `maxTextChars`. Not retried.
 */
export class PayloadTooLargeError extends ClassifierError {
  override name = 'PayloadTooLargeError';
}

/**
 * `5xx`. Retried: `502`, `503`, `504` and API Gateway's own `500` (`code: "server_error"`: Lambda
 * rejected the invocation, e.g. throttled). Not retried: the function's `500` (`code: "internal"`).
 */
export class ServerError extends ClassifierError {
  override name = 'ServerError';
}

/**
 * No answer in time. `code: "timeout"` when one attempt ran over `timeoutMs` (retried);
 * `code: "deadline_exceeded"` when the call's `deadlineMs` ran out (not retried).
 */
export class TimeoutError extends ClassifierError {
  override name = 'TimeoutError';
}

/**
 * The request got no HTTP answer; `cause` holds the fetch error. `code: "connection_error"` for a
 * failure that may pass (connection refused, reset or closed, a host or network unreachable, a
 * resolver that could not answer): retried.
 * `code: "fetch_failed"` for one that will not (a TLS certificate error, an unknown host, an error
 * thrown by a custom fetch): not retried.
 */
export class ConnectionError extends ClassifierError {
  override name = 'ConnectionError';
}

/** The caller's `AbortSignal` fired. `cause` holds the signal's reason. Never retried. */
export class AbortError extends ClassifierError {
  override name = 'AbortError';
}

/**
 * A `2xx` answer whose body is not what the API promises (e.g. a proxy's HTML page, a field of the
 * wrong type): `code: "unexpected_response"`. Or a `3xx` redirect, which the client does not follow
 * since it would carry the API key and the texts to its `Location`: `code: "redirect"`. Not retried.
 */
export class UnexpectedResponseError extends ClassifierError {
  override name = 'UnexpectedResponseError';
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringField(record: Record<string, unknown> | undefined, key: string): string | undefined {
  const value = record?.[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

/**
 * The error of one batch of a split call, with its `index` moved into the caller's numbering: the
 * server counts from the start of its request, which began at `offset` in the caller's list.
 */
export function inCallersNumbering(error: unknown, offset: number): unknown {
  if (!(error instanceof ClassifierError) || error.index === undefined || offset === 0) return error;
  const index = error.index + offset;
  return copyOf(error, `${error.message} (texts[${index}] of the whole list; this request began at texts[${offset}])`, {
    index,
  });
}

/**
 * The error a split call throws: its first failure, carrying what the call had completed. Only a
 * {@link ClassifierError} can carry it; anything else is thrown as it is.
 */
export function withPartial(error: unknown, partial: PartialResults | undefined): unknown {
  if (!(error instanceof ClassifierError) || partial === undefined) return error;
  const copy = copyOf(error, error.message, { partial });
  // Same message, so the original stack, which shows where the failure happened, is still right.
  if (error.stack !== undefined) copy.stack = error.stack;
  return copy;
}

/** `error` with some fields replaced, of the same class, so `instanceof` checks and `name` stay as they were. */
function copyOf(error: ClassifierError, message: string, changes: ClassifierErrorOptions): ClassifierError {
  const ErrorClass = error.constructor as new (message: string, options: ClassifierErrorOptions) => ClassifierError;
  return new ErrorClass(message, {
    status: error.status,
    code: error.code,
    requestId: error.requestId,
    serverMessage: error.serverMessage,
    body: error.body,
    retryAfterMs: error.retryAfterMs,
    index: error.index,
    cause: error.cause,
    partial: error.partial,
    ...changes,
  });
}
