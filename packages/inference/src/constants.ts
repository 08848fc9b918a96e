/** Request limits (SPEC section 5); each is overridable per stage through the environment. */
export const DEFAULT_LIMITS = {
  maxTexts: 256,
  maxTextChars: 100_000,
  maxBodyBytes: 1_048_576,
} as const;

/** Upper bound of `explain` (tokens per prediction): a response stays small and readable. */
export const MAX_EXPLAIN = 50;

/** Environment variables read by the function (docs/contracts.md section 2). */
export const ENV = {
  modelUri: 'MODEL_URI',
  manifestUri: 'MANIFEST_URI',
  maxTexts: 'MAX_TEXTS',
  maxTextChars: 'MAX_TEXT_CHARS',
  maxBodyBytes: 'MAX_BODY_BYTES',
  s3MaxAttempts: 'MODEL_S3_MAX_ATTEMPTS',
  s3ForcePathStyle: 'MODEL_S3_FORCE_PATH_STYLE',
  s3Endpoint: 'AWS_ENDPOINT_URL_S3',
  serviceName: 'POWERTOOLS_SERVICE_NAME',
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
  metricsDisabled: 'POWERTOOLS_METRICS_DISABLED',
  intraOpThreads: 'ORT_INTRA_OP_THREADS',
  memArena: 'ORT_CPU_MEM_ARENA',
} as const;

export const DEFAULT_SERVICE_NAME = 'classifier';
export const DEFAULT_METRICS_NAMESPACE = 'Classifier';

/** Error codes of the HTTP contract; clients switch on these, never on messages. */
export const ERROR_CODES = {
  invalidJson: 'invalid_json',
  invalidInput: 'invalid_input',
  explainUnsupported: 'explain_unsupported',
  payloadTooLarge: 'payload_too_large',
  notFound: 'not_found',
  methodNotAllowed: 'method_not_allowed',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/**
 * Optional graph outputs (beyond docs/contracts.md section 1) from which the out-of-vocabulary
 * rate is computed: tokens the tokenizer found per post, and how many of them are in the vocabulary.
 * A model without them simply has no OovTokenRate metric.
 */
export const OOV_OUTPUTS = { tokens: 'token_count', known: 'known_token_count' } as const;
