import { ConnectionError, RateLimitError, ServerError, TimeoutError } from './errors.js';

/**
 * Statuses worth another attempt: API Gateway's answers to a function that failed (502), was
 * unavailable (503), or ran over the integration timeout (504).
 */
const RETRYABLE_SERVER_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Whether a failed attempt may be retried: transient network errors, per-attempt timeouts, `429 Too
 * Many Requests`, 502/503/504 and API Gateway's own 500. Never a 400, 403, 413, a quota `Limit
 * Exceeded`, the function's `internal` 500, a permanent fetch failure, an abort or a deadline.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof RateLimitError) return true;
  if (error instanceof ConnectionError) return error.code === 'connection_error';
  if (error instanceof TimeoutError) return error.code === 'timeout';
  if (error instanceof ServerError) {
    // A 500 has two sources. API Gateway's own `{"message": "Internal server error"}` means Lambda
    // rejected the invocation, e.g. the function is throttled at its reserved concurrency
    // (docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html): transient, so retried.
    // The function's `{"error", "code": "internal"}` is its own failure on this input: not retried.
    if (error.status === 500) return error.code === 'server_error';
    return error.status !== undefined && RETRYABLE_SERVER_STATUSES.has(error.status);
  }
  return false;
}

/**
 * Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * a uniform random delay in `[0, min(capMs, baseMs * 2^retryIndex))`. Full jitter spreads clients
 * that were throttled together, which is what API Gateway's token bucket needs to refill.
 *
 * @param retryIndex 0 for the first retry
 * @param random a source of uniform numbers in [0, 1)
 */
export function backoffDelay(retryIndex: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  // 2 ** 1024 is Infinity; min() keeps it finite long before that.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(retryIndex, 52));
  return Math.floor(random() * ceiling);
}

/**
 * The wait before a retry the server asked to delay: its `Retry-After` plus a random extra in
 * `[0, jitterMs)`, so clients told the same date do not all come back in the same millisecond.
 * Never shorter than `Retry-After`, and never longer than `capMs` (`maxRetryAfterMs`) unless
 * `Retry-After` itself is.
 *
 * @param random a source of uniform numbers in [0, 1)
 */
export function retryAfterDelay(retryAfterMs: number, jitterMs: number, capMs: number, random: () => number = Math.random): number {
  return Math.max(retryAfterMs, Math.min(capMs, retryAfterMs + Math.floor(random() * jitterMs)));
}

/**
 * Waits `ms`, or rejects with `onAbort()` as soon as `signal` aborts (also when it already has).
 */
export function sleep(ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(onAbort());
      return;
    }
    const abort = (): void => {
      clearTimeout(timer);
      reject(onAbort());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', abort, { once: true });
  });
}
