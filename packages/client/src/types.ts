import type { ClassifierError, PayloadTooLargeError } from './errors.js';

/**
 * The shapes the endpoint speaks (SPEC.md section 5) and the options this client takes. Types only:
 * nothing here exists at runtime.
 */

/**
 * Options for {@link ClassifierClient}. Every duration is in milliseconds, at most 2147483647
 * (the longest delay `setTimeout` supports).
 */
export interface ClassifierClientOptions {
  /**
   * The stage URL: `https://<api-id>.execute-api.<region>.amazonaws.com/<stage>` on AWS or
   * `http://127.0.0.1:<port>/<stage>` on the local stage. A trailing slash is tolerated.
   */
  baseUrl: string;
  /** The API Gateway API key, sent as `x-api-key`. Never logged and never part of an error. */
  apiKey: string;
  /**
   * How long one attempt (request and body) may take before it is abandoned and retried.
   * @default 10000
   * @unit milliseconds
   */
  timeoutMs?: number;
  /**
   * How many times a retryable failure is retried (so at most `maxRetries + 1` attempts per request).
   * @default 3
   */
  maxRetries?: number;
  /**
   * The most texts sent in one request; longer lists are split and reassembled in order. Matches the
   * endpoint's default `MAX_TEXTS`; lower it if the stage is configured lower.
   * @default 256
   */
  maxBatchSize?: number;
  /**
   * The most bytes (UTF-8) of one request body: the whole JSON, including the rich form's
   * `{"texts": ..., "topK": k, "explain": n}` around the texts, so it can be set to the stage's exact
   * `MAX_BODY_BYTES`. A list whose body would exceed it is split even below `maxBatchSize`. The
   * default stays just under the endpoint's 1 MiB. A single text over the limit is still sent alone,
   * and the server answers `413`.
   * @default 1000000
   * @unit bytes
   */
  maxBatchBytes?: number;
  /**
   * The most characters (UTF-16 code units, JavaScript's `length`) one text may have, as the
   * endpoint's `MAX_TEXT_CHARS`. A longer text fails the call before any request with a
   * {@link PayloadTooLargeError} whose `index` is the text's position in your list; checked here
   * because the server could only name its position within one batch, after earlier batches ran.
   * @default 100000
   */
  maxTextChars?: number;
  /**
   * How many batch requests of one call may be in flight at once. The first batch to fail aborts
   * the others in flight at once; the results of those that had completed stay on the thrown
   * error's {@link ClassifierError.partial}.
   * @default 1
   */
  batchConcurrency?: number;
  /**
   * The overall time budget of one call, across all its attempts, backoff sleeps and batches.
   * When it runs out the call fails with a {@link TimeoutError} whose `code` is `deadline_exceeded`.
   * @default undefined (no overall deadline: each request is bounded by `timeoutMs`, `maxRetries`,
   *   the backoff cap and `maxRetryAfterMs`, and a call pays that per batch)
   * @unit milliseconds
   */
  deadlineMs?: number;
  /**
   * The first backoff step: before retry `n` (from 0) the client sleeps a random time in
   * `[0, min(retryMaxDelayMs, retryBaseDelayMs * 2^n))` ("full jitter"). Also the most random
   * extra added to a server's `Retry-After`.
   * @default 500
   * @unit milliseconds
   */
  retryBaseDelayMs?: number;
  /**
   * The cap of one backoff sleep.
   * @default 8000
   * @unit milliseconds
   */
  retryMaxDelayMs?: number;
  /**
   * The longest `Retry-After` the client waits for, jitter included. A server asking for longer gets
   * no retry: the error is thrown at once, carrying `retryAfterMs`, and the caller decides.
   * @default 60000
   * @unit milliseconds
   */
  maxRetryAfterMs?: number;
  /**
   * The fetch implementation.
   * @default globalThis.fetch
   */
  fetch?: typeof fetch;
  /** Extra headers sent with every request (for example a tracing header). `x-api-key` wins. */
  headers?: Record<string, string>;
  /**
   * Called before each backoff sleep, for logging or metrics. It gets no API key. An error it throws
   * (or an async hook's rejection) is ignored: it never changes the call's outcome.
   * @default undefined
   */
  onRetry?: (event: RetryEvent) => void;
}

/** What {@link ClassifierClientOptions.onRetry} is told before a retry. */
export interface RetryEvent {
  /** The retry about to happen, from 1. */
  retry: number;
  /** How long the client sleeps first. */
  delayMs: number;
  /** Why: the error of the attempt that failed. */
  error: Error;
  /** The request path, e.g. `/predict`. */
  path: string;
}

/** Per-call options that every method takes. They override the client's for this call only. */
export interface RequestOptions {
  /** Aborts the call at once, including during a request or a backoff sleep ({@link AbortError}). */
  signal?: AbortSignal;
  /** Overrides {@link ClassifierClientOptions.timeoutMs}. */
  timeoutMs?: number;
  /** Overrides {@link ClassifierClientOptions.maxRetries}. */
  maxRetries?: number;
  /** Overrides {@link ClassifierClientOptions.deadlineMs}. */
  deadlineMs?: number;
}

/** The fields of the rich form of `POST /predict`. */
export interface PredictFields {
  /** How many of the most likely labels to return in `top` (1..number of labels). */
  topK?: number;
  /** How many tokens of explanation to return per text (0..50); needs a model with `explain: true`. */
  explain?: number;
}

/**
 * Asks for the rich form of `POST /predict`: giving `topK` or `explain` (or both) makes `classify`
 * return {@link Prediction}s instead of bare labels.
 */
export type PredictOptions = PredictFields & ({ topK: number } | { explain: number });

/** Per-call options of the article-compatible form: no `topK` and no `explain`. */
export type LabelOptions = RequestOptions & { topK?: undefined; explain?: undefined };

/** A label with its probability. */
export interface ScoredLabel {
  label: string;
  probability: number;
}

/** One token's contribution to the predicted class's score (exact for a linear model). */
export interface TokenWeight {
  token: string;
  weight: number;
}

/** The rich prediction for one text. */
export interface Prediction {
  /** The predicted label. */
  label: string;
  /** Its probability. */
  probability: number;
  /** The `topK` most likely labels, most likely first. */
  top: ScoredLabel[];
  /** Present when `explain` was asked for and the model supports it; largest weight first. */
  explanation?: TokenWeight[];
}

/**
 * What a call sent as several requests had received when it failed: the results of the batches
 * that completed, at their texts' positions in your list. It is {@link ClassifierError.partial};
 * narrow on `form` to get typed results: `"labels"` for the article form (`classify(texts)`),
 * `"predictions"` for the rich form (`classify(texts, { topK })`).
 */
export type PartialResults = PartialLabels | PartialPredictions;

/** {@link PartialResults} of the article form: labels. */
export interface PartialLabels {
  readonly form: 'labels';
  /**
   * One entry per text of your list, in its order: the label when the text's batch completed,
   * `undefined` when it did not (failed, aborted mid-flight, or never started).
   */
  readonly results: ReadonlyArray<string | undefined>;
  /**
   * The positions in your list of the texts without a result, ascending: exactly those where
   * `results` holds `undefined`, and the texts to send again.
   */
  readonly missing: readonly number[];
}

/** {@link PartialResults} of the rich form: predictions. */
export interface PartialPredictions {
  readonly form: 'predictions';
  /**
   * One entry per text of your list, in its order: the prediction when the text's batch
   * completed, `undefined` when it did not (failed, aborted mid-flight, or never started).
   */
  readonly results: ReadonlyArray<Prediction | undefined>;
  /**
   * The positions in your list of the texts without a result, ascending: exactly those where
   * `results` holds `undefined`, and the texts to send again.
   */
  readonly missing: readonly number[];
}

/** Which model answered a rich request. */
export interface ModelRef {
  name: string;
  version: string;
  sha256: string;
}

/** What `GET /model` answers: the public part of the serving model's manifest. */
export interface ModelInfo extends ModelRef {
  /** Every label the model can predict, in the model's class order. */
  labels: string[];
  /** ISO 8601 time the artifact was created. */
  createdAt: string;
  /** Test-split metrics, when the artifact has them. */
  metrics?: { accuracy: number; macroF1: number };
  /** Whether the model can explain its predictions (`explain` in {@link PredictOptions}). */
  explain: boolean;
}

/** The body of a `200` rich answer. */
export interface PredictResponse {
  model: ModelRef;
  predictions: Prediction[];
}
