import { ERROR_CODES, MAX_EXPLAIN } from '../constants.js';
import { RequestError } from '../errors.js';
import type { Limits } from './limits.js';

/**
 * `article`: the reference article's forms (a JSON array of strings, or one string), answered with
 * a bare array of labels. `rich`: `{"texts": [...]}` / `{"text": "..."}` with `topK` and `explain`.
 */
export type PredictRequest =
  | { form: 'article'; texts: string[] }
  | { form: 'rich'; texts: string[]; topK: number; explain: number };

export interface ModelCapabilities {
  labelCount: number;
  supportsExplain: boolean;
}

const RICH_KEYS = new Set(['text', 'texts', 'topK', 'explain']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

function tooLarge(message: string, location: { field?: string; index?: number }): RequestError {
  return new RequestError(413, ERROR_CODES.payloadTooLarge, message, location);
}

function invalid(message: string, location: { field?: string; index?: number }): RequestError {
  return new RequestError(400, ERROR_CODES.invalidInput, message, location);
}

/** Decodes the body (base64 if flagged), enforcing the byte limit before any parsing work. */
export function decodeBody(body: string | null | undefined, isBase64Encoded: boolean | undefined, limits: Limits): string {
  if (body === null || body === undefined || body === '') {
    throw new RequestError(400, ERROR_CODES.invalidJson, 'request body is empty: expected JSON', { field: 'body' });
  }
  if (isBase64Encoded) {
    // 4 base64 characters carry 3 bytes: reject oversized bodies before allocating their decoding.
    if (Math.floor((body.length * 3) / 4) > limits.maxBodyBytes + 2) {
      throw tooLarge(`request body is larger than ${limits.maxBodyBytes} bytes`, { field: 'body' });
    }
    const bytes = Buffer.from(body, 'base64');
    if (bytes.length > limits.maxBodyBytes) throw tooLarge(`request body is larger than ${limits.maxBodyBytes} bytes`, { field: 'body' });
    try {
      return utf8.decode(bytes);
    } catch {
      throw new RequestError(400, ERROR_CODES.invalidJson, 'request body is not valid UTF-8', { field: 'body' });
    }
  }
  // A UTF-16 string's UTF-8 size is at most 3 bytes per code unit: only measure when it may be over.
  if (body.length * 3 > limits.maxBodyBytes && Buffer.byteLength(body, 'utf8') > limits.maxBodyBytes) {
    throw tooLarge(`request body is larger than ${limits.maxBodyBytes} bytes`, { field: 'body' });
  }
  return body;
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    // V8's message names the position; it quotes at most a short excerpt of the client's own input.
    throw new RequestError(400, ERROR_CODES.invalidJson, `request body is not valid JSON: ${(cause as Error).message}`, { field: 'body' });
  }
}

function checkTexts(values: readonly unknown[], limits: Limits, field: string): string[] {
  if (values.length > limits.maxTexts) {
    throw tooLarge(`too many texts: ${values.length} > ${limits.maxTexts} per request`, { field });
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string') {
      throw invalid(`${field}[${i}] must be a string, got ${v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v}`, { field, index: i });
    }
    if (v.length > limits.maxTextChars) {
      throw tooLarge(`${field}[${i}] has ${v.length} characters, more than ${limits.maxTextChars}`, { field, index: i });
    }
  }
  return values as string[];
}

function intInRange(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${field} must be an integer from ${min} to ${max}`, { field });
  }
  return value;
}

/** Validates a parsed body against the contract of SPEC section 5. */
export function toPredictRequest(payload: unknown, limits: Limits, model: ModelCapabilities): PredictRequest {
  if (typeof payload === 'string') return { form: 'article', texts: checkTexts([payload], limits, 'texts') };
  if (Array.isArray(payload)) return { form: 'article', texts: checkTexts(payload, limits, 'texts') };
  if (payload === null || typeof payload !== 'object') {
    throw invalid('body must be a JSON string, an array of strings, or an object with "text" or "texts"', { field: 'body' });
  }
  const obj = payload as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!RICH_KEYS.has(key)) throw invalid(`unknown field "${key}" (expected text, texts, topK, explain)`, { field: key });
  }
  const hasText = Object.hasOwn(obj, 'text');
  const hasTexts = Object.hasOwn(obj, 'texts');
  if (hasText === hasTexts) throw invalid('give exactly one of "text" (a string) or "texts" (an array of strings)', { field: hasText ? 'texts' : 'text' });
  let texts: string[];
  if (hasText) {
    if (typeof obj.text !== 'string') throw invalid('text must be a string', { field: 'text' });
    if (obj.text.length > limits.maxTextChars) {
      throw tooLarge(`text has ${obj.text.length} characters, more than ${limits.maxTextChars}`, { field: 'text' });
    }
    texts = [obj.text];
  } else {
    if (!Array.isArray(obj.texts)) throw invalid('texts must be an array of strings', { field: 'texts' });
    texts = checkTexts(obj.texts, limits, 'texts');
  }
  const topK = obj.topK === undefined ? 1 : intInRange(obj.topK, 'topK', 1, model.labelCount);
  const explain = obj.explain === undefined ? 0 : intInRange(obj.explain, 'explain', 0, MAX_EXPLAIN);
  if (explain > 0 && !model.supportsExplain) {
    throw new RequestError(400, ERROR_CODES.explainUnsupported, 'this model does not support explanations: send explain 0 or omit it', {
      field: 'explain',
    });
  }
  return { form: 'rich', texts, topK, explain };
}
