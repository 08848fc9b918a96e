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
 * How much further the gateway-limit cases go on a deployed stage. There API Gateway applies a usage
 * plan's throttle and quota as targets on a best-effort basis, not exact limits: requests past them may
 * pass ("Usage plan throttling and quotas are not hard limits, and are applied on a best-effort basis",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-api-usage-plans.html). So the
 * cases send enough that a 429 is certain in practice, and assert exact counts on the local stage only.
 */
export const DEPLOYED_LIMIT_MARGINS = {
  /** Concurrent raw requests per unit of the burst (3 on the local stage, where the bucket is exact). */
  throttleRequestsPerBurst: 10,
  /** Concurrent client calls per unit of the burst once the bucket is empty (2 on the local stage). */
  clientCallsPerBurst: 5,
  /** Client retries for those calls: ten callers share 2 req/s (8 on the local stage). */
  clientMaxRetries: 16,
  /** Requests the quota case may send at most: five times the 20 or fewer its key has left. */
  quotaRequestCap: 100,
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
