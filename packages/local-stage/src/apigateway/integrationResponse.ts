import { matchesMediaType } from './proxyEvent.js';

export interface MappedResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

const ALLOWED_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded']);
// Integration headers API Gateway does not pass through as such: it renames them x-amzn-Remapped-*
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis).
const REMAPPED = new Set(['connection', 'content-length', 'date', 'server', 'authorization', 'www-authenticate']);
// Hop-by-hop headers (RFC 9110 section 7.6.1) describe the integration's own connection, not the
// client's: API Gateway answers with its own framing. Passed through, `Transfer-Encoding: chunked`
// next to the Content-Length this stage sets made the answer invalid HTTP/1.1. Connection is not
// here: API Gateway renames it (above), which already keeps it from acting on the client's connection.
const HOP_BY_HOP = new Set(['transfer-encoding', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-authenticate', 'proxy-authorization']);

const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/**
 * Maps a Lambda proxy result to the HTTP answer, or undefined when API Gateway would call it a
 * "Malformed Lambda proxy response" (-> 502): not an object, a key outside the five of the REST
 * output format, a missing or non-integer statusCode, a body that is not a string, header values
 * that are not scalars or hold characters HTTP cannot carry. Hop-by-hop headers are left out.
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-output-format
 */
export function mapProxyResult(
  result: unknown,
  binaryMediaTypes: readonly string[],
  accept: string | undefined,
): MappedResponse | undefined {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return undefined;
  const r = result as Record<string, unknown>;
  for (const key of Object.keys(r)) if (!ALLOWED_KEYS.has(key)) return undefined;
  const status = typeof r.statusCode === 'string' && /^\d{3}$/.test(r.statusCode) ? Number(r.statusCode) : r.statusCode;
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) return undefined;
  if (r.body !== undefined && r.body !== null && typeof r.body !== 'string') return undefined;
  if (r.isBase64Encoded !== undefined && r.isBase64Encoded !== null && typeof r.isBase64Encoded !== 'boolean') return undefined;

  const out: Record<string, string[]> = {};
  const casing = new Map<string, string>();
  const put = (name: string, values: string[], replace: boolean) => {
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower)) return;
    const outName = REMAPPED.has(lower) ? `x-amzn-Remapped-${name}` : name;
    const key = casing.get(outName.toLowerCase()) ?? outName;
    casing.set(outName.toLowerCase(), key);
    out[key] = replace ? values : [...(out[key] ?? []), ...values];
  };
  if (r.headers !== undefined && r.headers !== null) {
    if (typeof r.headers !== 'object' || Array.isArray(r.headers)) return undefined;
    for (const [k, v] of Object.entries(r.headers)) {
      if (v === null || v === undefined) continue;
      if (!scalar(v) || !validHeader(k, String(v))) return undefined;
      put(k, [String(v)], true);
    }
  }
  if (r.multiValueHeaders !== undefined && r.multiValueHeaders !== null) {
    if (typeof r.multiValueHeaders !== 'object' || Array.isArray(r.multiValueHeaders)) return undefined;
    // "If you specify values for both headers and multiValueHeaders, API Gateway merges them into a
    // single list. If the same key-value pair is specified in both, only the values from
    // multiValueHeaders will appear in the merged list." (same page)
    for (const [k, v] of Object.entries(r.multiValueHeaders)) {
      if (v === null || v === undefined) continue;
      if (!Array.isArray(v) || !v.every(scalar) || !v.every((x) => validHeader(k, String(x)))) return undefined;
      const values = v.map(String);
      const existing = out[casing.get(k.toLowerCase()) ?? k] ?? [];
      put(k, [...existing, ...values].filter((x, i, a) => a.indexOf(x) === i), true);
    }
  }
  if (!casing.has('content-type')) put('Content-Type', ['application/json'], true); // REST's default

  const text = typeof r.body === 'string' ? r.body : '';
  // A base64 body becomes bytes only when the API declares a binary media type matching the
  // client's Accept header; otherwise API Gateway returns the base64 text as is.
  // "API Gateway uses the first Accept header from clients to determine if a response should return
  // binary media": the first of its comma-separated types.
  const decode = r.isBase64Encoded === true && matchesMediaType(accept?.split(',')[0], binaryMediaTypes);
  const body = decode ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(out)) headers[k] = v.length === 1 ? (v[0] as string) : v;
  return { status, headers, body };
}

/**
 * A header HTTP can carry: a token name, and a value of tab, visible ASCII and Latin-1 only (no
 * control characters, nothing past U+00FF: Node's own rule for header values). A function result with
 * any other is malformed (502 on AWS); written as is, Node's writeHead would throw instead, and the
 * stage would answer 500 through its catch-all.
 */
function validHeader(name: string, value: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name) && !/[^\t\x20-\x7e\x80-\xff]/.test(value);
}
