/** Defaults of {@link ClassifierClientOptions}; each is documented there. */
export const DEFAULTS = {
  timeoutMs: 10_000,
  maxRetries: 3,
  maxBatchSize: 256,
  // Just under the endpoint's MAX_BODY_BYTES (1 MiB), for a stage configured a little lower; the
  // rich form's `{"texts":...,"topK":...}` is counted by the splitter, not by this margin.
  maxBatchBytes: 1_000_000,
  // The endpoint's default MAX_TEXT_CHARS.
  maxTextChars: 100_000,
  batchConcurrency: 1,
  retryBaseDelayMs: 500,
  retryMaxDelayMs: 8_000,
  maxRetryAfterMs: 60_000,
} as const;
