/** Defaults and limits of the emulated services, in one place (as serverless-offline's defaultOptions). */
export const LOCAL = {
  /** A fixed, obviously local account id; API Gateway puts the account id in requestContext.accountId. */
  accountId: '000000000000',
  /** Used when the stack has no provider block naming a region. */
  region: 'us-east-1',
  /** Unreserved functions: environments started at most at once before requests queue (a local-machine limit, not AWS's). */
  unreservedConcurrency: 4,
  /**
   * Environments one function runs at most on this machine, whatever its reserved concurrency: each is a
   * Node process with onnxruntime (150-250 MB), and prod's reservation of 50 would be 50 of them. Requests
   * past this wait for an environment; Lambda's throttling still starts at the reservation.
   */
  maxEnvironments: 8,
} as const;

/**
 * Lambda's synchronous invocation request limit: 6 MB (6,291,456 bytes).
 * Source: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html ("Invocation
 * payload (request and response): 6 MB each for request and response (synchronous)").
 */
export const LAMBDA_MAX_REQUEST_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Lambda's synchronous response limit is not the documented 6 MB exactly: Lambda accepts a response
 * up to 6 MiB + 100 bytes and refuses the next byte with "Response payload size (6291557 bytes)
 * exceeded maximum allowed payload size (6291556 bytes)" (the function's invocation then fails: 502
 * behind API Gateway). A local check at 6 MiB would fail responses AWS delivers.
 */
export const LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;

export const APIGW = {
  /**
   * REST API payload limit: 10 MB, not adjustable.
   * Source: https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
   */
  maxBodyBytes: 10 * 1024 * 1024,
  /**
   * Integration timeout default and maximum for Lambda integrations: 29 s (50 ms minimum).
   * Source: same limits page; https://repost.aws/knowledge-center/api-gateway-504-errors
   */
  integrationTimeoutMs: 29_000,
  minIntegrationTimeoutMs: 50,
} as const;

export const LAMBDA = {
  /** Init phase limit for on-demand environments: 10 s. https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html */
  initTimeoutMs: 10_000,
  defaultMemoryMb: 128,
  defaultTimeoutS: 3,
} as const;
