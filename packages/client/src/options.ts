/**
 * Validation of the client's and the calls' options: every bad option fails
 * in the constructor (or at the start of a call) with `code: "invalid_options"`, never mid-request.
 */

import { ClassifierError } from './errors.js';

/**
 * The longest delay `setTimeout` honours (2^31 - 1 ms, about 24.8 days). A longer one fires after
 * 1 ms, so `timeoutMs: Number.MAX_SAFE_INTEGER` would time every attempt out at once.
 */
export const MAX_TIMER_MS = 2_147_483_647;

export function invalidOptions(message: string): ClassifierError {
  return new ClassifierError(`ClassifierClient: ${message}`, { code: 'invalid_options' });
}

/**
 * The headers every request carries: the caller's extras, then `accept` and `x-api-key`, which win.
 * Built once here so that a header fetch would refuse fails in the constructor, not in each attempt.
 */
export function baseHeaders(extra: Record<string, string> | undefined, apiKey: string): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(extra ?? {})) {
    try {
      headers.set(name, value);
    } catch {
      // The TypeError quotes the value, which may be a secret (an Authorization header): it is
      // neither repeated nor kept as the cause.
      throw invalidOptions(
        `headers[${JSON.stringify(name)}] is not a valid HTTP header: a name is a token (no spaces), a value has no line break or NUL`,
      );
    }
  }
  headers.set('accept', 'application/json');
  try {
    headers.set('x-api-key', apiKey);
  } catch {
    // Same reason: the message must not carry the key.
    throw invalidOptions('apiKey is not a valid HTTP header value (a line break or NUL inside it?): check how it was read');
  }
  return headers;
}

/** A duration that must be over 0: `timeoutMs`, `deadlineMs`. */
export function positiveDuration(name: string, value: number): number {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw invalidOptions(`${name} must be a positive number, got ${String(value)}`);
  }
  return belowTimerLimit(name, value);
}

/** A duration that may be 0: the retry delays and `maxRetryAfterMs`. */
export function nonNegativeDuration(name: string, value: number): number {
  if (!(typeof value === 'number' && value >= 0 && Number.isFinite(value))) {
    throw invalidOptions(`${name} must be a non-negative number, got ${String(value)}`);
  }
  return belowTimerLimit(name, value);
}

export function positiveInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value > 0)) throw invalidOptions(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

export function nonNegativeInteger(name: string, value: number): number {
  if (!(Number.isInteger(value) && value >= 0)) {
    throw invalidOptions(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

// Rejected rather than clamped: a caller asking for more than 24 days most likely meant "no limit",
// and silently getting 24 days is a surprise of its own.
function belowTimerLimit(name: string, value: number): number {
  if (value > MAX_TIMER_MS) {
    throw invalidOptions(
      `${name} must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest delay setTimeout supports), got ${String(value)}`,
    );
  }
  return value;
}
