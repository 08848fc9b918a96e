/**
 * `@org/classifier-client`: the typed client of the classifier endpoint.
 *
 * @example
 * ```ts
 * import { ClassifierClient, QuotaExceededError } from '@org/classifier-client';
 *
 * const client = new ClassifierClient({ baseUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/test', apiKey });
 * const label = await client.classify('Is there a god?');
 * ```
 *
 * @packageDocumentation
 */
export { ClassifierClient } from './ClassifierClient.js';
export {
  AbortError,
  AuthenticationError,
  BadRequestError,
  ClassifierError,
  ConnectionError,
  PayloadTooLargeError,
  QuotaExceededError,
  RateLimitError,
  ServerError,
  TimeoutError,
  UnexpectedResponseError,
  type ClassifierErrorOptions,
  type HeaderLookup,
} from './errors.js';
export { parseRetryAfter } from './retryAfter.js';
export type {
  ClassifierClientOptions,
  LabelOptions,
  ModelInfo,
  ModelRef,
  PartialLabels,
  PartialPredictions,
  PartialResults,
  Prediction,
  PredictFields,
  PredictOptions,
  PredictResponse,
  RequestOptions,
  RetryEvent,
  ScoredLabel,
  TokenWeight,
} from './types.js';
