import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEvent } from 'aws-lambda';

export type EventName = 'predict-article' | 'predict-rich' | 'predict-base64' | 'model-get';

const cache = new Map<EventName, string>();

/** A captured API Gateway REST (v1 proxy) event, cloned so tests can change it freely. */
export function loadEvent(name: EventName, overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../events/apigw-rest/${name}.json`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return { ...(JSON.parse(text) as APIGatewayProxyEvent), ...overrides };
}

/** A POST /predict event carrying `body` (JSON-encoded unless it is already a string). */
export function predictEvent(body: unknown, raw = false): APIGatewayProxyEvent {
  return loadEvent('predict-article', { body: raw ? (body as string) : JSON.stringify(body) });
}
