import { ClassifierClient, QuotaExceededError, RateLimitError, type RetryEvent } from '@org/classifier-client';
import { describe, expect, it } from 'vitest';
import { ARTICLE } from '../src/constants.js';
import { RawHttp } from '../src/rawHttp.js';
import { isExcluded, limitStage, suite } from './support.js';

const { target } = suite();

if (isExcluded('gateway-limits')) {
  // Excluded on purpose (E2E_EXCLUDE=gateway-limits), and said so in the run's output.
  it('gateway-limit cases are excluded by E2E_EXCLUDE=gateway-limits', () => {
    expect(target.excluded).toContain('gateway-limits');
  });
} else {
  describe('usage plan throttling', () => {
    it('answers 429 {"message":"Too Many Requests"} over the burst, then the client recovers by retrying', async () => {
      // Prepare: a key whose plan allows a burst of 2 at 2 req/s.
      const stage = limitStage(target.throttle);
      const raw = new RawHttp(stage.url, stage.apiKey);
      const burst = target.limitPlans?.burstLimit ?? 2;

      // Act: three times the burst at once.
      const answers = await Promise.all(Array.from({ length: burst * 3 }, () => raw.get('/model')));

      // Assess: some pass, the rest are API Gateway's throttle answer (never the quota's).
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      const throttled = answers.filter((a) => a.status === 429);
      expect(throttled.length, `statuses: ${statuses.join(',')}`).toBeGreaterThan(0);
      for (const a of throttled) expect(a.json).toEqual({ message: 'Too Many Requests' });
      if (target.limitPlans) {
        // The burst, plus at most one token refilled (2/s) if a loaded machine spreads the arrivals over 500 ms.
        const passed = statuses.filter((s) => s === 200).length;
        expect(passed).toBeGreaterThanOrEqual(burst);
        expect(passed).toBeLessThanOrEqual(burst + 1);
      }

      // Act: with the bucket empty, concurrent client calls meet 429s and retry with backoff.
      const retries: RetryEvent[] = [];
      const client = new ClassifierClient({
        baseUrl: stage.url,
        apiKey: stage.apiKey,
        maxRetries: 8,
        retryBaseDelayMs: 300,
        retryMaxDelayMs: 2000,
        onRetry: (e) => retries.push(e),
      });
      const labels = await Promise.all(Array.from({ length: burst * 2 }, () => client.classify(ARTICLE.text)));

      // Assess: every call ended with the right answer, and at least one got there through a retry after a RateLimitError.
      expect(labels).toEqual(Array.from({ length: burst * 2 }, () => ARTICLE.label));
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((r) => r.error instanceof RateLimitError)).toBe(true);
    });
  });

  describe('usage plan quota', () => {
    it('answers 429 {"message":"Limit Exceeded"} once the quota is used, and the client throws QuotaExceededError without retrying', async () => {
      // Prepare: a key whose plan allows a few requests per period.
      const stage = limitStage(target.quota);
      const raw = new RawHttp(stage.url, stage.apiKey);
      const maxRequests = (target.limitPlans?.quotaLimit ?? 20) + 1;

      // Act: one request at a time until the gateway says the quota is gone.
      const statuses: number[] = [];
      let last = await raw.get('/model');
      statuses.push(last.status);
      while (last.status === 200 && statuses.length < maxRequests) {
        last = await raw.get('/model');
        statuses.push(last.status);
      }

      // Assess
      expect(last.status, `statuses: ${statuses.join(',')}; the key's quota must be at most ${maxRequests - 1}`).toBe(429);
      expect(last.json).toEqual({ message: 'Limit Exceeded' });
      if (target.limitPlans) expect(statuses.filter((s) => s === 200)).toHaveLength(target.limitPlans.quotaLimit);

      // Act: the client, which must not retry a quota answer (waiting does not refill a daily quota).
      let attempts = 0;
      const retries: RetryEvent[] = [];
      const client = new ClassifierClient({
        baseUrl: stage.url,
        apiKey: stage.apiKey,
        fetch: (input, init) => ((attempts += 1), fetch(input, init)),
        onRetry: (e) => retries.push(e),
      });
      const err = await client.classify(ARTICLE.text).catch((e: unknown) => e);

      // Assess
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({ status: 429, code: 'limit_exceeded' });
      expect(attempts).toBe(1);
      expect(retries).toHaveLength(0);
    });
  });
}
