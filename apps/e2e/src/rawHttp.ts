import type { Pacer } from './pacer.js';

/** One answer as it came over the wire, for cases that check exact statuses, bodies and headers. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown;
  readonly ms: number;
}

export interface RawRequest {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'OPTIONS';
  /** A string or bytes sent as is; anything else is JSON-encoded. */
  readonly body?: unknown;
  /** Sent as `x-api-key`; `null` sends no key; undefined sends the client's key. */
  readonly apiKey?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/**
 * Plain `fetch` against a stage, without the client's retries or parsing, so a case sees exactly what
 * API Gateway (or the local stage) answered. The key goes in the `x-api-key` header only; it is never
 * part of a returned value, a message or a log line.
 */
export class RawHttp {
  readonly baseUrl: string;
  readonly #apiKey: string;

  constructor(baseUrl: string, apiKey: string, private readonly pacer?: Pacer) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.#apiKey = apiKey;
  }

  /** `path` is relative to the stage (`/predict`, `/predict/`, `/model`). */
  async request(path: string, req: RawRequest = {}): Promise<RawResponse> {
    const headers: Record<string, string> = { ...req.headers };
    const key = req.apiKey === undefined ? this.#apiKey : req.apiKey;
    if (key !== null) headers['x-api-key'] = key;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (req.body !== undefined) {
      body =
        typeof req.body === 'string' ? req.body : req.body instanceof Uint8Array ? new Uint8Array(req.body) : JSON.stringify(req.body);
      headers['content-type'] ??= 'application/json';
    }
    await this.pacer?.slot();
    const started = performance.now();
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: req.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      ...(body === undefined ? {} : { body }),
      signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, ms: performance.now() - started };
  }

  post(path: string, body: unknown, req: Omit<RawRequest, 'body'> = {}): Promise<RawResponse> {
    return this.request(path, { ...req, method: 'POST', body });
  }

  get(path: string, req: Omit<RawRequest, 'body' | 'method'> = {}): Promise<RawResponse> {
    return this.request(path, { ...req, method: 'GET' });
  }
}
