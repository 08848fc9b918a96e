import { ClassifierClient, QuotaExceededError, RateLimitError, type RetryEvent } from '@org/classifier-client';
import { expect, it } from 'vitest';
import { ARTICLE, DEPLOYED_LIMIT_MARGINS } from '../src/constants.js';
import { RawHttp } from '../src/rawHttp.js';
import { excludedGroup, limitStage, suite } from './support.js';

const { target, clientFor } = suite();
// Excluded on purpose (E2E_EXCLUDE=gateway-limits): the cases are reported as skipped, with the reason.
const { describe: group, reason } = excludedGroup('gateway-limits');
// Exact limits only where the bucket and the counter are exact: the local stage knows its plans' numbers.
// On AWS both are best-effort targets, so the cases go far enough past them to meet the 429 in practice.
const exact = target.limitPlans;

group(`usage plan throttling${reason}`, () => {
  it(
    'answers 429 {"message":"Too Many Requests"} over the burst, then the client recovers by retrying',
    async () => {
      // Prepare: a key whose plan allows a burst of 2 at 2 req/s.
      const stage = limitStage(target.throttle);
      const raw = new RawHttp(stage.url, stage.apiKey);
      const burst = exact?.burstLimit ?? 2;

      // Act: three times the burst at once (ten times on AWS).
      const requests = burst * (exact ? 3 : DEPLOYED_LIMIT_MARGINS.throttleRequestsPerBurst);
      const answers = await Promise.all(Array.from({ length: requests }, () => raw.get('/model')));

      // Assess: some pass, the rest are API Gateway's throttle answer (never the quota's).
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(0);
      const throttled = answers.filter((a) => a.status === 429);
      expect(throttled.length, `statuses: ${statuses.join(',')}`).toBeGreaterThan(0);
      for (const a of throttled) expect(a.json).toEqual({ message: 'Too Many Requests' });
      if (exact) {
        // The burst, plus at most one token refilled (2/s) if a loaded machine spreads the arrivals over 500 ms.
        const passed = statuses.filter((s) => s === 200).length;
        expect(passed).toBeGreaterThanOrEqual(burst);
        expect(passed).toBeLessThanOrEqual(burst + 1);
      }

      // Act: with the bucket empty, concurrent client calls meet 429s and retry with backoff (more
      // calls on AWS, so that some meet the throttle, and more retries, as they share its 2 req/s).
      const calls = burst * (exact ? 2 : DEPLOYED_LIMIT_MARGINS.clientCallsPerBurst);
      const retries: RetryEvent[] = [];
      const client = new ClassifierClient({
        baseUrl: stage.url,
        apiKey: stage.apiKey,
        maxRetries: exact ? 8 : DEPLOYED_LIMIT_MARGINS.clientMaxRetries,
        retryBaseDelayMs: 300,
        retryMaxDelayMs: 2000,
        onRetry: (e) => retries.push(e),
      });
      const labels = await Promise.all(Array.from({ length: calls }, () => client.classify(ARTICLE.text)));

      // Assess: every call ended with the right answer, and at least one got there through a retry after a RateLimitError.
      expect(labels).toEqual(Array.from({ length: calls }, () => ARTICLE.label));
      expect(retries.length).toBeGreaterThan(0);
      expect(retries.every((r) => r.error instanceof RateLimitError)).toBe(true);
    },
    // Ten callers through a 2 req/s bucket on AWS take 5 to 10 s, with backoff.
    exact ? undefined : 90_000,
  );
});

group(`usage plan quota${reason}`, () => {
  it('answers 429 {"message":"Limit Exceeded"} once the quota is used; the client throws QuotaExceededError without retrying and keeps the batches that got through', async () => {
    // Prepare: a key whose plan allows a few requests per period, and a list the client must send
    // in more requests than that (two texts each), of topics that alternate so positions matter. On
    // AWS, where the quota is a target that requests may pass, up to a cap well above the key's
    // remaining 20 or fewer.
    const stage = limitStage(target.quota);
    const requests = exact ? exact.quotaLimit + 1 : DEPLOYED_LIMIT_MARGINS.quotaRequestCap;
    const topics = [
      'The shuttle reached orbit and NASA plans another launch to the space station.',
      'My car needs a new transmission and the dealer wants too much for the engine work.',
      'Is there a god? Atheists and believers argue about morality and religion.',
      'The graphics card driver crashes when X11 renders OpenGL with this monitor.',
      'The pitcher threw a no-hitter and the team won the baseball series.',
      'Encryption keys and the clipper chip: the government wants a backdoor.',
    ];
    const texts = Array.from({ length: 2 * requests }, (_, i) => `${topics[i % topics.length]} (${i})`);
    // What the stage answers for them, through the main key (one request; at most 200 texts, under the 256 limit).
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
    expect(err, `${attempts} requests passed without meeting the quota`).toBeInstanceOf(QuotaExceededError);
    expect(err).toMatchObject({ status: 429, code: 'limit_exceeded' });
    expect(retries).toHaveLength(0);
    const passed = attempts - 1;
    if (exact) expect(passed).toBe(exact.quotaLimit);
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
