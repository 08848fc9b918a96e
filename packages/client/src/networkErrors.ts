/**
 * Which fetch failures are worth another attempt. A connection reset or refused while a Lambda
 * scales is; an expired TLS certificate, an unknown host or a bug in a custom fetch fails the same
 * way every time, and retrying it only delays the error by the whole backoff.
 */

/**
 * Node's and undici's codes of failures that a later attempt may not meet. Node's fetch rejects
 * with `TypeError("fetch failed")` and puts the code on its `cause`.
 *
 * ENOTFOUND is left out on purpose: it is getaddrinfo's "no such name" (NXDOMAIN), in practice a
 * misspelt `baseUrl` or a deleted API, which no retry fixes. A resolver that could not answer now
 * says EAI_AGAIN, which is retried.
 */
const TRANSIENT_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  // No route to the host or its network, or the local network is down: a route or a link that
  // comes back (a Wi-Fi roam, a VPN reconnecting, a NAT gateway failing over).
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  // undici's: the connection the request was queued on closed first; a new attempt opens another.
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/**
 * What browsers' fetch says for any network failure (Chrome, Firefox, Safari, React Native). They
 * give no cause and no code, deliberately, so a refused connection and a CORS rejection look the
 * same; these stay retried as before rather than never retrying a network error in a browser.
 */
const BROWSER_NETWORK_MESSAGES: ReadonlySet<string> = new Set([
  'Failed to fetch',
  'NetworkError when attempting to fetch resource.',
  'Load failed',
  'Network request failed',
]);

/** Whether `error`, thrown by fetch or by reading the body, is a network failure worth retrying. */
export function isTransientNetworkError(error: unknown): boolean {
  if (error instanceof TypeError && error.cause === undefined && BROWSER_NETWORK_MESSAGES.has(error.message)) return true;
  // The error itself too, not only its causes: a custom fetch (node-fetch, a proxy agent) may
  // surface the system error directly.
  return errorCodes(error).some((code) => TRANSIENT_CODES.has(code));
}

/** The `code`s along the cause chain, including each of an AggregateError's errors (happy eyeballs). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  const seen = new Set<unknown>();
  const pending: unknown[] = [error];
  // A bound in case of a cause cycle or a pathological chain.
  while (pending.length > 0 && seen.size < 20) {
    const current = pending.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const { code, cause, errors } = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string') codes.push(code);
    pending.push(cause);
    if (Array.isArray(errors)) pending.push(...(errors as unknown[]));
  }
  return codes;
}
