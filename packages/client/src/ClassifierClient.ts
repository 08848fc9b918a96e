import { AbortGroup } from './abortGroup.js';
import { completedResults, mapInOrder, splitBatches, wrapperBytes, type Completed } from './batches.js';
import { DEFAULTS } from './constants.js';
import {
  AbortError,
  BadRequestError,
  ClassifierError,
  ConnectionError,
  inCallersNumbering,
  PayloadTooLargeError,
  TimeoutError,
  UnexpectedResponseError,
  withPartial,
} from './errors.js';
import { isTransientNetworkError } from './networkErrors.js';
import {
  baseHeaders,
  invalidOptions,
  nonNegativeDuration,
  nonNegativeInteger,
  positiveDuration,
  positiveInteger,
} from './options.js';
import { backoffDelay, isRetryable, retryAfterDelay, sleep } from './retry.js';
import type {
  ClassifierClientOptions,
  LabelOptions,
  ModelInfo,
  ModelRef,
  PartialResults,
  Prediction,
  PredictOptions,
  RequestOptions,
  RetryEvent,
  ScoredLabel,
  TokenWeight,
} from './types.js';

/** The settings of one call: the client's, overridden by the call's {@link RequestOptions}. */
interface CallContext {
  signal: AbortSignal | undefined;
  timeoutMs: number;
  maxRetries: number;
  /** The call's `deadlineMs`, kept for messages. */
  deadlineMs: number | undefined;
  /** When the call must be over, on the `performance.now()` clock. */
  deadline: number | undefined;
}

interface Exchange {
  /** What was asked for, to resolve a relative `Location` against. */
  url: string;
  status: number;
  headers: Headers;
  text: string;
  /**
   * A browser's answer to `redirect: "manual"` when the server redirected: status 0, no headers
   * (`opaqueredirect`). Node's fetch gives the 3xx itself instead.
   */
  opaqueRedirect: boolean;
}

/**
 * The client of the classifier endpoint (API Gateway REST API + Lambda): `POST /predict` and
 * `GET /model`, with API-key auth, retries with backoff, timeouts, a deadline, abort, batching and
 * typed errors. No runtime dependencies: it needs a global `fetch` (Node >= 20, browsers).
 *
 * @example
 * ```ts
 * import { ClassifierClient } from '@org/classifier-client';
 *
 * const client = new ClassifierClient({ baseUrl: process.env.STAGE_URL!, apiKey: process.env.API_KEY! });
 * const label = await client.classify('My computer crashed after the graphics driver update');
 * const [first] = await client.classify(['a post', 'another post'], { topK: 3 });
 * console.log(label, first?.top);
 * ```
 */
export class ClassifierClient {
  /** The stage URL without a trailing slash; paths such as `/predict` are appended to it. */
  readonly baseUrl: string;
  readonly #fetch: (input: string, init: RequestInit) => Promise<Response>;
  // Holds x-api-key. A private field: util.inspect, JSON.stringify and error objects never show it.
  readonly #headers: Headers;
  readonly #timeoutMs: number;
  readonly #maxRetries: number;
  readonly #maxBatchSize: number;
  readonly #maxBatchBytes: number;
  readonly #maxTextChars: number;
  readonly #batchConcurrency: number;
  readonly #deadlineMs: number | undefined;
  readonly #retryBaseDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #maxRetryAfterMs: number;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;

  /**
   * @throws {ClassifierError} with `code: "invalid_options"` when `baseUrl` or `apiKey` is missing,
   *   `baseUrl` is not an http(s) URL, `apiKey` or a header is not a valid HTTP header, a number
   *   option is out of range, or there is no global fetch. The message never quotes a header value.
   */
  constructor(options: ClassifierClientOptions) {
    // Checked at runtime too: JavaScript callers and `process.env.X!` get no help from the types.
    const { baseUrl, apiKey } = (options ?? {}) as Partial<ClassifierClientOptions>;
    if (typeof baseUrl !== 'string' || baseUrl.trim() === '') {
      throw invalidOptions('baseUrl is required: the stage URL, e.g. https://<api-id>.execute-api.<region>.amazonaws.com/test');
    }
    if (typeof apiKey !== 'string' || apiKey.trim() === '') {
      throw invalidOptions('apiKey is required: the API Gateway API key of the stage');
    }
    let url: URL;
    try {
      url = new URL(baseUrl.trim());
    } catch {
      throw invalidOptions(`baseUrl is not a URL: ${JSON.stringify(baseUrl)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw invalidOptions(`baseUrl must be http(s), got ${url.protocol}`);
    }
    this.baseUrl = baseUrl.trim().replace(/\/+$/, '');

    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw invalidOptions('no fetch: pass options.fetch on runtimes without a global fetch');
    }
    // Called through a closure: a browser's fetch throws "Illegal invocation" when `this` is not window.
    this.#fetch = (input, init) => fetchImpl(input, init);
    this.#headers = baseHeaders(options.headers, apiKey);
    this.#timeoutMs = positiveDuration('timeoutMs', options.timeoutMs ?? DEFAULTS.timeoutMs);
    this.#maxRetries = nonNegativeInteger('maxRetries', options.maxRetries ?? DEFAULTS.maxRetries);
    this.#maxBatchSize = positiveInteger('maxBatchSize', options.maxBatchSize ?? DEFAULTS.maxBatchSize);
    this.#maxBatchBytes = positiveInteger('maxBatchBytes', options.maxBatchBytes ?? DEFAULTS.maxBatchBytes);
    this.#maxTextChars = positiveInteger('maxTextChars', options.maxTextChars ?? DEFAULTS.maxTextChars);
    this.#batchConcurrency = positiveInteger('batchConcurrency', options.batchConcurrency ?? DEFAULTS.batchConcurrency);
    this.#deadlineMs = options.deadlineMs === undefined ? undefined : positiveDuration('deadlineMs', options.deadlineMs);
    this.#retryBaseDelayMs = nonNegativeDuration('retryBaseDelayMs', options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs);
    this.#retryMaxDelayMs = nonNegativeDuration('retryMaxDelayMs', options.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs);
    this.#maxRetryAfterMs = nonNegativeDuration('maxRetryAfterMs', options.maxRetryAfterMs ?? DEFAULTS.maxRetryAfterMs);
    this.#onRetry = options.onRetry;
  }

  /**
   * Classifies one text and returns its label (the article-compatible form: `POST /predict` with a
   * JSON array of strings).
   *
   * @example
   * ```ts
   * const label = await client.classify('Is there a god?'); // "alt.atheism"
   * ```
   */
  classify(text: string, options?: LabelOptions): Promise<string>;
  /**
   * Classifies a list of texts and returns their labels in order. An empty list returns `[]` without a
   * request; a list longer than `maxBatchSize` is sent in several requests.
   *
   * @throws {ClassifierError} the first failure; when the list went in several requests, its
   *   {@link ClassifierError.partial} holds the labels of those that completed, to resume from.
   *
   * @example
   * ```ts
   * const labels = await client.classify(posts, { signal: AbortSignal.timeout(30_000) });
   * ```
   */
  classify(texts: readonly string[], options?: LabelOptions): Promise<string[]>;
  /**
   * Classifies one text with probabilities, the `topK` most likely labels and, with `explain`, the
   * tokens that weighed most (the rich form of `POST /predict`).
   *
   * @example
   * ```ts
   * const p = await client.classify('GPU drivers crash', { topK: 3, explain: 5 });
   * console.log(p.label, p.probability, p.top, p.explanation);
   * ```
   */
  classify(text: string, options: PredictOptions & RequestOptions): Promise<Prediction>;
  /**
   * Classifies a list of texts with the rich form; predictions come back in input order.
   *
   * @throws {ClassifierError} the first failure; when the list went in several requests, its
   *   {@link ClassifierError.partial} holds the predictions of those that completed, to resume from.
   *
   * @example
   * ```ts
   * const predictions = await client.classify(posts, { topK: 2 });
   * ```
   */
  classify(texts: readonly string[], options: PredictOptions & RequestOptions): Promise<Prediction[]>;
  async classify(
    input: string | readonly string[],
    options: LabelOptions | (PredictOptions & RequestOptions) = {},
  ): Promise<string | string[] | Prediction | Prediction[]> {
    const single = typeof input === 'string';
    const texts = single ? checkText(input, this.#maxTextChars) : checkTexts(input, this.#maxTextChars);
    const rich = options.topK !== undefined || options.explain !== undefined;
    if (texts.length === 0) return [];

    const ctx = this.#context(options);
    const fields = { topK: options.topK, explain: options.explain };
    const results = rich
      ? await this.#inBatches<Prediction>(
          texts,
          // maxBatchBytes bounds the whole body, so the batches leave room for {"texts":...,"topK":k}.
          wrapperBytes(richBody([], fields)),
          ctx,
          (batch, batchCtx) => this.#predictRich(batch, fields, batchCtx),
          (completed) => ({ form: 'predictions', ...completed }),
        )
      : await this.#inBatches<string>(
          texts,
          0,
          ctx,
          (batch, batchCtx) => this.#predictLabels(batch, batchCtx),
          (completed) => ({ form: 'labels', ...completed }),
        );
    return single ? (results[0] as string | Prediction) : results;
  }

  /**
   * Describes the model that serves the stage (`GET /model`): name, version, sha256, labels,
   * creation time, metrics and whether it can explain.
   *
   * @example
   * ```ts
   * const { version, labels } = await client.model();
   * ```
   */
  async model(options: RequestOptions = {}): Promise<ModelInfo> {
    const ctx = this.#context(options);
    return this.#request('GET', '/model', undefined, ctx, (json) => (isModelInfo(json) ? json : undefined));
  }

  async #predictLabels(batch: readonly string[], ctx: CallContext): Promise<string[]> {
    return this.#request('POST', '/predict', JSON.stringify(batch), ctx, (json) =>
      Array.isArray(json) && json.length === batch.length && json.every((label) => typeof label === 'string')
        ? (json as string[])
        : undefined,
    );
  }

  async #predictRich(
    batch: readonly string[],
    fields: { topK: number | undefined; explain: number | undefined },
    ctx: CallContext,
  ): Promise<Prediction[]> {
    return this.#request('POST', '/predict', richBody(batch, fields), ctx, (json) =>
      isRecord(json) &&
      isModelRef(json.model) &&
      Array.isArray(json.predictions) &&
      json.predictions.length === batch.length &&
      json.predictions.every(isPrediction)
        ? (json.predictions as Prediction[])
        : undefined,
    );
  }

  /**
   * Splits `texts` into batches the endpoint accepts (`overheadBytes`: what each body adds around
   * the JSON array of texts) and runs them. The first failure aborts the batches still in flight and
   * is what the call throws, its `index` counted in the caller's list and its `partial` (made by
   * `toPartial`) holding the batches that completed before it.
   */
  async #inBatches<R>(
    texts: readonly string[],
    overheadBytes: number,
    ctx: CallContext,
    run: (batch: readonly string[], ctx: CallContext) => Promise<R[]>,
    toPartial: (completed: Completed<R>) => PartialResults,
  ): Promise<R[]> {
    const batches = splitBatches(texts, this.#maxBatchSize, this.#maxBatchBytes, overheadBytes);
    const [only] = batches;
    if (batches.length === 1 && only !== undefined) return run(only, ctx);

    const group = new AbortGroup(ctx.signal);
    const offsets = startOffsets(batches);
    // Kept apart from mapInOrder's results, which a failure discards: these are what the caller paid for.
    const parts: Array<R[] | undefined> = new Array<R[] | undefined>(batches.length).fill(undefined);
    let firstError: unknown;
    try {
      const inOrder = await mapInOrder(batches, this.#batchConcurrency, async (batch, i) => {
        const { signal, leave } = group.join();
        try {
          const part = await run(batch, { ...ctx, signal });
          parts[i] = part;
          return part;
        } catch (error) {
          if (firstError === undefined) {
            firstError = inCallersNumbering(error, offsets[i] ?? 0);
            group.abort(firstError);
          }
          throw error;
        } finally {
          leave();
        }
      });
      return inOrder.flat();
    } catch (error) {
      // The batches aborted because of another's failure reject too; the cause is the first one.
      // Copied now: a batch still settling after the abort must not change, under the caller's
      // feet, what the error says is missing.
      const completed = completedResults(batches, parts);
      throw withPartial(firstError ?? error, completed === undefined ? undefined : toPartial(completed));
    } finally {
      group.close();
    }
  }

  /**
   * One logical request: attempts, retries with backoff (or the server's `Retry-After`), within the
   * call's deadline and signal. `accept` returns the typed answer, or `undefined` when a 2xx body does
   * not have the promised shape.
   */
  async #request<T>(
    method: 'GET' | 'POST',
    path: string,
    body: string | undefined,
    ctx: CallContext,
    accept: (json: unknown) => T | undefined,
  ): Promise<T> {
    for (let retry = 0; ; retry++) {
      let error: ClassifierError;
      try {
        const exchange = await this.#attempt(method, path, body, ctx);
        const json = parseJson(exchange.text);
        if (exchange.opaqueRedirect || (exchange.status >= 300 && exchange.status < 400)) {
          throw redirectRefused(exchange, json, method, path);
        }
        if (exchange.status >= 200 && exchange.status < 300) {
          const value = accept(json);
          if (value === undefined) throw unexpectedResponse(exchange, json, method, path);
          return value;
        }
        error = ClassifierError.fromResponse(exchange.status, json, exchange.headers);
      } catch (caught) {
        if (!(caught instanceof ClassifierError)) throw caught;
        error = caught;
      }

      if (!isRetryable(error) || retry >= ctx.maxRetries) throw error;
      const retryAfter = error.retryAfterMs;
      // A server asking for a longer pause than the client is willing to wait gets no retry: the
      // caller sees the error (with retryAfterMs) at once instead of a call hanging for minutes.
      if (retryAfter !== undefined && retryAfter > this.#maxRetryAfterMs) throw error;
      const delayMs =
        retryAfter === undefined
          ? backoffDelay(retry, this.#retryBaseDelayMs, this.#retryMaxDelayMs)
          : retryAfterDelay(retryAfter, this.#retryBaseDelayMs, this.#maxRetryAfterMs);
      // Sleeping past the deadline only to fail then helps no one: fail now with the real cause.
      if (ctx.deadline !== undefined && performance.now() + delayMs >= ctx.deadline) throw error;
      this.#notifyRetry({ retry: retry + 1, delayMs, error, path });
      await sleep(delayMs, ctx.signal, () => abortError(ctx.signal));
    }
  }

  /**
   * Tells `onRetry` about a retry. The hook is for logging and metrics, so what it throws (or an
   * async hook's rejection) is ignored: a broken logger must neither fail the call with an error of
   * its own nor stop the retries, and an unhandled rejection would end a Node process.
   */
  #notifyRetry(event: RetryEvent): void {
    if (this.#onRetry === undefined) return;
    try {
      const result: unknown = this.#onRetry(event);
      if (isThenable(result)) Promise.resolve(result).catch(() => {});
    } catch {
      // Ignored, as said above.
    }
  }

  /**
   * One HTTP exchange, body included, bounded by the per-attempt timeout, the call's deadline and
   * the caller's signal. It settles as soon as one of those fires, even if the fetch implementation
   * ignores its signal.
   */
  async #attempt(method: string, path: string, body: string | undefined, ctx: CallContext): Promise<Exchange> {
    const signal = ctx.signal;
    if (signal?.aborted) throw abortError(signal);
    const remaining = ctx.deadline === undefined ? Number.POSITIVE_INFINITY : ctx.deadline - performance.now();
    if (remaining <= 0) throw deadlineExceeded(ctx.deadlineMs);
    const byDeadline = remaining <= ctx.timeoutMs;
    // Before the timer and the listener exist, so nothing that throws here can leave them behind
    // (a copy of headers the constructor validated does not throw anyway).
    const headers = new Headers(this.#headers);
    if (body !== undefined) headers.set('content-type', 'application/json');

    const controller = new AbortController();
    let stopReason: ClassifierError | undefined;
    let rejectStopped: (error: ClassifierError) => void = () => {};
    const stopped = new Promise<never>((_, reject) => {
      rejectStopped = reject;
    });
    // A stop that comes when no one races `stopped` any more must not become an unhandled
    // rejection: Node ends the process on one.
    stopped.catch(() => {});
    const stop = (error: ClassifierError): void => {
      if (stopReason !== undefined) return;
      stopReason = error;
      controller.abort(error);
      rejectStopped(error);
    };
    const onAbort = (): void => stop(abortError(signal));
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      signal?.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          stop(
            byDeadline
              ? deadlineExceeded(ctx.deadlineMs)
              : new TimeoutError(`Request timed out after ${ctx.timeoutMs} ms`, { code: 'timeout' }),
          ),
        Math.min(ctx.timeoutMs, remaining),
      );
      const url = `${this.baseUrl}${path}`;
      const exchange = (async (): Promise<Exchange> => {
        // Redirects are not followed: fetch would resend x-api-key and the texts to wherever the
        // Location points, another origin included. The 3xx becomes an error in #request.
        const response = await this.#fetch(url, { method, headers, body, signal: controller.signal, redirect: 'manual' });
        const text = await response.text();
        return {
          url,
          status: response.status,
          headers: response.headers,
          text,
          opaqueRedirect: response.type === 'opaqueredirect',
        };
      })();
      // When `stopped` wins the race the exchange still settles later; that rejection is expected.
      exchange.catch(() => {});
      return await Promise.race([exchange, stopped]);
    } catch (error) {
      if (stopReason !== undefined) throw stopReason;
      throw connectionError(error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  #context(options: RequestOptions): CallContext {
    const timeoutMs = options.timeoutMs === undefined ? this.#timeoutMs : positiveDuration('timeoutMs', options.timeoutMs);
    const maxRetries =
      options.maxRetries === undefined ? this.#maxRetries : nonNegativeInteger('maxRetries', options.maxRetries);
    const deadlineMs =
      options.deadlineMs === undefined ? this.#deadlineMs : positiveDuration('deadlineMs', options.deadlineMs);
    return {
      signal: options.signal,
      timeoutMs,
      maxRetries,
      deadlineMs,
      deadline: deadlineMs === undefined ? undefined : performance.now() + deadlineMs,
    };
  }
}

function checkText(text: string, maxTextChars: number): readonly string[] {
  checkLength(text, maxTextChars);
  return [text];
}

function checkTexts(input: unknown, maxTextChars: number): readonly string[] {
  if (!Array.isArray(input)) {
    throw new BadRequestError('texts must be a string or an array of strings', { code: 'invalid_input' });
  }
  // Checked here rather than by the server: the server could only name the index within its batch,
  // and the batches before it would already have run for nothing.
  for (let index = 0; index < input.length; index++) {
    const text: unknown = input[index];
    if (typeof text !== 'string') {
      throw new BadRequestError(`texts[${index}] must be a string, got ${typeOf(text)}`, { code: 'invalid_input', index });
    }
    checkLength(text, maxTextChars, index);
  }
  return input as readonly string[];
}

/** Refuses a text over `maxTextChars`, naming it by its index when it came in a list. */
function checkLength(text: string, maxTextChars: number, index?: number): void {
  if (text.length <= maxTextChars) return;
  const which = index === undefined ? 'text' : `texts[${index}]`;
  throw new PayloadTooLargeError(`${which} has ${text.length} characters, more than maxTextChars (${maxTextChars})`, {
    code: 'payload_too_large',
    ...(index === undefined ? {} : { index }),
  });
}

/** Where each batch starts in the caller's list. */
function startOffsets(batches: readonly (readonly string[])[]): number[] {
  let offset = 0;
  return batches.map((batch) => {
    const start = offset;
    offset += batch.length;
    return start;
  });
}

function connectionError(error: unknown): ConnectionError {
  return isTransientNetworkError(error)
    ? new ConnectionError(`Connection error: ${describe(error)}`, { code: 'connection_error', cause: error })
    : new ConnectionError(`Request failed: ${describe(error)}`, { code: 'fetch_failed', cause: error });
}

function abortError(signal: AbortSignal | undefined): AbortError {
  return new AbortError('Request was aborted', { code: 'aborted', cause: signal?.reason });
}

function deadlineExceeded(deadlineMs: number | undefined): TimeoutError {
  return new TimeoutError(`Deadline of ${deadlineMs} ms exceeded`, { code: 'deadline_exceeded' });
}

function unexpectedResponse(exchange: Exchange, json: unknown, method: string, path: string): UnexpectedResponseError {
  return new UnexpectedResponseError(
    `${exchange.status} unexpected answer to ${method} ${path}: not the shape the API promises`,
    {
      status: exchange.status,
      code: 'unexpected_response',
      requestId: exchange.headers.get('x-amzn-requestid') ?? undefined,
      body: json,
    },
  );
}

/**
 * The error for a redirect, which the client does not follow. It names the status and the host the
 * `Location` points to, never the whole `Location` (its query may hold a token) nor the API key.
 */
function redirectRefused(exchange: Exchange, json: unknown, method: string, path: string): UnexpectedResponseError {
  const target = exchange.opaqueRedirect ? 'a location the runtime does not reveal' : locationHost(exchange);
  const status = exchange.opaqueRedirect ? undefined : exchange.status;
  return new UnexpectedResponseError(
    `${status ?? 'A'} redirect of ${method} ${path} to ${target} was not followed (it would send the API key and ` +
      'the texts there); set baseUrl to the stage URL that answers itself',
    {
      status,
      code: 'redirect',
      requestId: exchange.headers.get('x-amzn-requestid') ?? undefined,
      body: json,
    },
  );
}

function locationHost(exchange: Exchange): string {
  const location = exchange.headers.get('location');
  if (location === null) return 'no Location';
  try {
    return new URL(location, exchange.url).host;
  } catch {
    return 'an invalid Location';
  }
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The rich form's body: `{"texts": [...]}` with `topK` and `explain` when given. */
function richBody(texts: readonly string[], fields: { topK: number | undefined; explain: number | undefined }): string {
  return JSON.stringify({ texts, ...definedOnly(fields) });
}

function definedOnly<T extends Record<string, unknown>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** fetch's errors say "fetch failed"; the reason (ECONNRESET, ECONNREFUSED, ...) is in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return `${error.message} (${typeof code === 'string' ? `${code}: ` : ''}${cause.message})`;
  }
  return error.message;
}

function typeOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isModelRef(value: unknown): value is ModelRef {
  return (
    isRecord(value) &&
    typeof value.name === 'string' &&
    typeof value.version === 'string' &&
    typeof value.sha256 === 'string'
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

/** Whether `value` is an array whose every element passes `isElement`. */
function isArrayOf<T>(value: unknown, isElement: (element: unknown) => element is T): value is T[] {
  return Array.isArray(value) && value.every((element) => isElement(element));
}

// A 200 that passes these is handed to the caller as the promised type: a field of the wrong type
// would otherwise surface later, far from the request, as a crash in the caller's code.
function isModelInfo(value: unknown): value is ModelInfo {
  return (
    isModelRef(value) &&
    isRecord(value) &&
    isArrayOf(value.labels, isString) &&
    typeof value.createdAt === 'string' &&
    typeof value.explain === 'boolean' &&
    // Absent when the artifact has no metrics.
    (value.metrics === undefined ||
      (isRecord(value.metrics) && typeof value.metrics.accuracy === 'number' && typeof value.metrics.macroF1 === 'number'))
  );
}

function isPrediction(value: unknown): value is Prediction {
  return (
    isRecord(value) &&
    typeof value.label === 'string' &&
    typeof value.probability === 'number' &&
    isArrayOf(value.top, isScoredLabel) &&
    // Absent when explain was not asked for.
    (value.explanation === undefined || isArrayOf(value.explanation, isTokenWeight))
  );
}

function isScoredLabel(value: unknown): value is ScoredLabel {
  return isRecord(value) && typeof value.label === 'string' && typeof value.probability === 'number';
}

function isTokenWeight(value: unknown): value is TokenWeight {
  return isRecord(value) && typeof value.token === 'string' && typeof value.weight === 'number';
}
