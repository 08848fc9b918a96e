import { describe, expect, it } from 'vitest';
import { Quota } from '../src/apigateway/quota.js';
import { TokenBucket } from '../src/apigateway/tokenBucket.js';
import { type LocalStageOptions, startLocalStage } from '../src/index.js';
import { type FixtureOptions, writeStackFixture } from './helpers/stackFixture.js';

const HANDLER = 'export const handler = async () => ({ statusCode: 200, body: "[]" });';

async function statuses(fixture: Partial<FixtureOptions>, n: number, options: Partial<LocalStageOptions> = {}) {
  const f = writeStackFixture({ handlerSource: HANDLER, ...fixture });
  const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, ...options });
  try {
    const out: { status: number; body: unknown; errorType: string | null }[] = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${stage.url}/predict`, { method: 'POST', body: '[]', headers: { 'x-api-key': stage.apiKey } });
      out.push({ status: res.status, body: await res.json(), errorType: res.headers.get('x-amzn-errortype') });
    }
    return out;
  } finally {
    await stage.close();
  }
}

describe('usage plan', () => {
  it('throttles past the burst with 429 Too Many Requests', async () => {
    const out = await statuses({ usagePlan: { rate: 0.5, burst: 3 } }, 5);
    expect(out.map((o) => o.status)).toEqual([200, 200, 200, 429, 429]);
    expect(out[3]).toEqual({ status: 429, body: { message: 'Too Many Requests' }, errorType: 'TooManyRequestsException' });
  });

  it('refuses past the quota with 429 Limit Exceeded', async () => {
    const out = await statuses({ usagePlan: { rate: 1000, burst: 1000, quota: 3, period: 'DAY' } }, 5);
    expect(out.map((o) => o.status)).toEqual([200, 200, 200, 429, 429]);
    expect(out[4]).toEqual({ status: 429, body: { message: 'Limit Exceeded' }, errorType: 'LimitExceededException' });
  });

  it('applies stage method throttling from aws_api_gateway_method_settings', async () => {
    const out = await statuses({ methodThrottle: { rate: 0.5, burst: 2 } }, 3);
    expect(out.map((o) => o.status)).toEqual([200, 200, 429]);
  });

  it('applies the stage throttle to each method on its own, and counts the quota only for requests let through', async () => {
    const f = writeStackFixture({ handlerSource: HANDLER, methodThrottle: { rate: 0.5, burst: 1 }, usagePlan: { rate: 1000, burst: 1000, quota: 2, period: 'DAY' } });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir });
    try {
      const call = async (path: string, method: string) => {
        const res = await fetch(`${stage.url}${path}`, { method, ...(method === 'POST' ? { body: '[]' } : {}), headers: { 'x-api-key': stage.apiKey } });
        return [res.status, ((await res.json()) as { message?: string }).message ?? 'ok'];
      };
      // /predict's bucket is empty after one request; /model has its own. The throttled request does not
      // use the quota of 2, so /model still gets through; then the quota is spent.
      expect([await call('/predict', 'POST'), await call('/predict', 'POST'), await call('/model', 'GET')]).toEqual([
        [200, 'ok'],
        [429, 'Too Many Requests'],
        [200, 'ok'],
      ]);
    } finally {
      await stage.close();
    }
  });

  it('lifts every limit with usagePlan: "unlimited"', async () => {
    const out = await statuses({ usagePlan: { rate: 0.5, burst: 1, quota: 1 }, methodThrottle: { rate: 0.5, burst: 1 } }, 4, { usagePlan: 'unlimited' });
    expect(out.every((o) => o.status === 200)).toBe(true);
  });

  it('replaces the plan numbers with an override object', async () => {
    const out = await statuses({ usagePlan: { rate: 0.5, burst: 1, quota: 1 } }, 4, { usagePlan: { burstLimit: 100, rateLimit: 100, quotaLimit: 3 } });
    expect(out.map((o) => o.status)).toEqual([200, 200, 200, 429]);
    expect(out[3]?.body).toEqual({ message: 'Limit Exceeded' });
  });

  it('uses a given key value', async () => {
    const f = writeStackFixture({ handlerSource: HANDLER });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, apiKey: 'local-test-key-0123456789' });
    try {
      expect(stage.apiKey).toBe('local-test-key-0123456789');
      const res = await fetch(`${stage.url}/predict`, { method: 'POST', headers: { 'x-api-key': 'local-test-key-0123456789' } });
      expect(res.status).toBe(200);
    } finally {
      await stage.close();
    }
  });
});

describe('token bucket and quota periods', () => {
  it('refills at the rate up to the burst', () => {
    let t = 0;
    const b = new TokenBucket(10, 2, () => t);
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
    t = 100; // 0.1 s at 10/s: one token
    expect([b.tryTake(), b.tryTake()]).toEqual([true, false]);
    t = 10_000;
    expect([b.tryTake(), b.tryTake(), b.tryTake()]).toEqual([true, true, false]);
  });

  it.each([
    ['DAY', '2025-03-05T17:00:00Z', '2025-03-05T00:00:00Z'],
    ['WEEK', '2025-03-05T17:00:00Z', '2025-03-02T00:00:00Z'], // a Wednesday; offset 0 weeks start on Sunday
    ['MONTH', '2025-03-05T17:00:00Z', '2025-03-01T00:00:00Z'],
  ] as const)('a %s period starts at UTC boundaries', (period, now, start) => {
    expect(new Date(Quota.periodStartOf({ limit: 1, period, offset: 0 }, Date.parse(now))).toISOString()).toBe(new Date(start).toISOString());
  });

  it('resets when a new period begins', () => {
    let t = Date.parse('2025-03-05T23:59:59Z');
    const q = new Quota({ limit: 1, period: 'DAY', offset: 0 }, () => t);
    expect(q.hasRoom()).toBe(true);
    q.count();
    expect(q.hasRoom()).toBe(false);
    t += 2000;
    expect(q.hasRoom()).toBe(true);
  });
});
