import type { RawResponse } from './rawHttp.js';

/**
 * The error contract of SPEC section 5, as one predicate shared by the suite and the fuzz run.
 * Two kinds of error answers exist:
 * - the function's: JSON with string `error`, `code` and `requestId` (and `field`/`index` when known);
 * - API Gateway's own: `{"message": "..."}` (403 Forbidden / Missing Authentication Token, 429 Too Many
 *   Requests / Limit Exceeded, 413 Request Too Long, 5xx Internal server error / Endpoint request timed out).
 */
export type ErrorAnswer =
  | { readonly kind: 'function'; readonly error: string; readonly code: string; readonly requestId: string; readonly field?: unknown; readonly index?: unknown }
  | { readonly kind: 'gateway'; readonly message: string };

/** Statuses API Gateway answers itself in this API, with the messages it uses for them. */
const GATEWAY_MESSAGES: Readonly<Record<number, readonly string[]>> = {
  403: ['Forbidden', 'Missing Authentication Token'],
  413: ['Request Too Long'],
  429: ['Too Many Requests', 'Limit Exceeded'],
  500: ['Internal server error'],
  502: ['Internal server error'],
  504: ['Endpoint request timed out'],
};

/** Classifies an error answer, or returns why it breaks the contract. */
export function parseErrorAnswer(res: Pick<RawResponse, 'status' | 'json' | 'text'>): ErrorAnswer | string {
  const body = res.json;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return `${res.status} body is not a JSON object: ${res.text.slice(0, 200)}`;
  }
  const b = body as Record<string, unknown>;
  if (typeof b.message === 'string' && b.error === undefined) {
    const known = GATEWAY_MESSAGES[res.status];
    if (!known?.includes(b.message)) return `${res.status} {"message": ${JSON.stringify(b.message)}} is not an API Gateway answer for this status`;
    return { kind: 'gateway', message: b.message };
  }
  const problems: string[] = [];
  for (const key of ['error', 'code', 'requestId'] as const) {
    if (typeof b[key] !== 'string' || (b[key] as string).length === 0) problems.push(`"${key}" is not a non-empty string`);
  }
  if (problems.length > 0) return `${res.status} ${problems.join(', ')}: ${res.text.slice(0, 200)}`;
  return {
    kind: 'function',
    error: b.error as string,
    code: b.code as string,
    requestId: b.requestId as string,
    ...(b.field === undefined ? {} : { field: b.field }),
    ...(b.index === undefined ? {} : { index: b.index }),
  };
}

/** A successful `POST /predict` body: an array of labels, or the rich form. */
export function successShapeProblem(res: Pick<RawResponse, 'status' | 'json' | 'text'>, labels: ReadonlySet<string>): string | undefined {
  const body = res.json;
  if (Array.isArray(body)) {
    const bad = body.findIndex((l) => typeof l !== 'string' || !labels.has(l));
    return bad >= 0 ? `200 array element ${bad} is not a known label: ${JSON.stringify(body[bad])}` : undefined;
  }
  if (body && typeof body === 'object' && Array.isArray((body as { predictions?: unknown }).predictions)) {
    const preds = (body as { predictions: Array<{ label?: unknown; probability?: unknown }> }).predictions;
    const bad = preds.findIndex((p) => typeof p.label !== 'string' || !labels.has(p.label) || typeof p.probability !== 'number');
    return bad >= 0 ? `200 prediction ${bad} is malformed: ${JSON.stringify(preds[bad]).slice(0, 200)}` : undefined;
  }
  return `200 body is neither a label array nor {"predictions"}: ${res.text.slice(0, 200)}`;
}
