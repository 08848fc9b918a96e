import { ClassifierClient, QuotaExceededError, RateLimitError, type RetryEvent } from '@org/classifier-client';
import { describe, expect, it } from 'vitest';
import { ARTICLE } from '../src/constants.js';
import { RawHttp } from '../src/rawHttp.js';
import { isExcluded, limitStage, suite } from './support.js';

const { target, clientFor } = suite();

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
    it('answers 429 {"message":"Limit Exceeded"} once the quota is used; the client throws QuotaExceededError without retrying and keeps the batches that got through', async () => {
      // Prepare: a key whose plan allows a few requests per period, and a list the client must send
      // in more requests than that (two texts each), of topics that alternate so positions matter.
      const stage = limitStage(target.quota);
      const quota = target.limitPlans?.quotaLimit ?? 20;
      const topics = [
        'The shuttle reached orbit and NASA plans another launch to the space station.',
        'My car needs a new transmission and the dealer wants too much for the engine work.',
        'Is there a god? Atheists and believers argue about morality and religion.',
        'The graphics card driver crashes when X11 renders OpenGL with this monitor.',
        'The pitcher threw a no-hitter and the team won the baseball series.',
        'Encryption keys and the clipper chip: the government wants a backdoor.',
      ];
      const texts = Array.from({ length: 2 * (quota + 1) }, (_, i) => `${topics[i % topics.length]} (${i})`);
      // What the stage answers for them, through the main key (one request).
      const expected = await clientFor({ maxBatchSize: texts.length }).classify(texts);
      // Different labels side by side, or a shifted result would go unnoticed.
      expect(new Set(expected.slice(0, topics.length)).size).toBeGreaterThan(2);
      let attempts = 0;
      const retries: RetryEvent[] = [];
      const client = new ClassifierClient({
        baseUrl: stage.url,
        apiKey: stage.apiKey,
        maxBatchSize: 2,
        fetch: (input, init) => ((attempts += 1), fetch(input, init)),
        onRetry: (e) => retries.push(e),
      });

      // Act: one call, two texts per request, until the gateway refuses.
      const err = await client.classify(texts).catch((e: unknown) => e);

      // Assess: the quota's answer, not retried (waiting does not refill a daily quota) ...
      expect(err).toBeInstanceOf(QuotaExceededError);
      expect(err).toMatchObject({ status: 429, code: 'limit_exceeded' });
      expect(retries).toHaveLength(0);
      const passed = attempts - 1;
      if (target.limitPlans) expect(passed).toBe(target.limitPlans.quotaLimit);
      // ... and the labels of the requests that got through, at their texts' positions.
      const partial = (err as QuotaExceededError).partial;
      expect(partial?.form).toBe('labels');
      if (partial?.form !== 'labels') return;
      expect(partial.results).toHaveLength(texts.length);
      expect(partial.results.slice(0, 2 * passed)).toEqual(expected.slice(0, 2 * passed));
      expect(partial.missing).toEqual(Array.from({ length: texts.length - 2 * passed }, (_, i) => 2 * passed + i));

      // Assess: raw HTTP meets API Gateway's quota answer too.
      const raw = new RawHttp(stage.url, stage.apiKey);
      const last = await raw.get('/model');
      expect(last.status).toBe(429);
      expect(last.json).toEqual({ message: 'Limit Exceeded' });
    });
  });
}
