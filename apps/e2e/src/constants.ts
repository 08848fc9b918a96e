/** Fixed inputs of the suite and its runs, in one place (as `as const` objects, no enums). */

/** The stack the suite targets when it starts a local stage (docs/contracts.md section 3). */
export const STACK = 'classifier-test' as const;

/**
 * The article's example post and the label it shows for it. The article sends it as
 * `requests.post(url, json=[text])`, to a URL that ends in `/predict/`.
 */
export const ARTICLE = {
  text:
    'Did that FAQ ever got modified to re-define strong atheists as not those who assert the nonexistence of God, ' +
    'but as those who assert that they BELIEVE in the nonexistence of God?',
  label: 'alt.atheism',
} as const;

/** The endpoint's default request limits (SPEC section 5); the stacks keep them. */
export const ENDPOINT_LIMITS = {
  maxTexts: 256,
  maxTextChars: 100_000,
  maxBodyBytes: 1_048_576,
  maxExplain: 50,
} as const;

/**
 * Usage plans of the extra local stages for the gateway-limit cases. Small numbers keep those cases
 * short: a burst of 2 is exceeded by 3 concurrent requests, and 5 requests exhaust the quota.
 */
export const LIMIT_PLANS = {
  throttle: { rateLimit: 2, burstLimit: 2 },
  quota: { quotaLimit: 5, quotaPeriod: 'DAY' },
} as const;

/**
 * Requests per second the suite allows itself with the main key. The `test` usage plan allows
 * 10 req/s with a burst of 10 (packages/infra/src/config.ts); staying under it means a raw request
 * never meets a 429 it did not ask for, on the local stage and on AWS alike.
 */
export const SUITE_RATE_PER_SECOND = 8;

/** Posts of the test split the accuracy smoke sends (issue 8). */
export const ACCURACY_POSTS = 500;

/** The groups of cases a run may exclude with `E2E_EXCLUDE` (comma-separated). */
export const EXCLUDABLE = ['gateway-limits', 'accuracy'] as const;
export type ExcludableGroup = (typeof EXCLUDABLE)[number];
