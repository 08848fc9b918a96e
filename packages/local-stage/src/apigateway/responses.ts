import type { ServerResponse } from 'node:http';

/**
 * API Gateway's own answers (gateway responses with their default templates), with the
 * x-amzn-ErrorType each carries. Sources:
 * - statuses: https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
 * - 403 bodies and `x-amzn-ErrorType: MissingAuthenticationTokenException` (Content-Length 42, so no
 *   spaces): captured responses in https://github.com/aws/chalice/issues/12
 * - Lambda errors: "If the Lambda API rejects the invocation request, API Gateway returns a 500 ...
 *   If the function runs but returns an error, or returns a response in the wrong format, API Gateway
 *   returns a 502 ... the body ... is {"message": "Internal server error"}"
 *   (https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html). A throttled
 *   Lambda (reserved concurrency reached) is such a rejected invocation: the client sees 500, not 429
 *   (https://repost.aws/questions/QUfI6bsdd0SOiPeyimzxSkfQ).
 * - 504 "Endpoint request timed out" after the integration timeout (29 s by default):
 *   https://repost.aws/knowledge-center/api-gateway-504-errors
 * - 413 for a payload over 10 MB (REQUEST_TOO_LARGE).
 */
export const GATEWAY_ERRORS = {
  missingAuthenticationToken: { status: 403, body: '{"message":"Missing Authentication Token"}', errorType: 'MissingAuthenticationTokenException' },
  forbidden: { status: 403, body: '{"message":"Forbidden"}', errorType: 'ForbiddenException' },
  throttled: { status: 429, body: '{"message":"Too Many Requests"}', errorType: 'TooManyRequestsException' },
  quotaExceeded: { status: 429, body: '{"message":"Limit Exceeded"}', errorType: 'LimitExceededException' },
  // No source seen for the x-amzn-ErrorType of these two, so none is invented.
  requestTooLarge: { status: 413, body: '{"message":"Request Too Long"}', errorType: undefined },
  lambdaRejected: { status: 500, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' },
  lambdaError: { status: 502, body: '{"message": "Internal server error"}', errorType: 'InternalServerErrorException' },
  integrationTimeout: { status: 504, body: '{"message": "Endpoint request timed out"}', errorType: undefined },
} as const;

export type GatewayErrorKind = keyof typeof GATEWAY_ERRORS;

export function sendGatewayError(
  res: ServerResponse,
  kind: GatewayErrorKind,
  requestId: string,
  extendedRequestId: string,
  close = false,
): void {
  const e = GATEWAY_ERRORS[kind];
  if (res.headersSent || res.destroyed) return;
  res.writeHead(e.status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(e.body),
    'x-amzn-RequestId': requestId,
    ...(e.errorType ? { 'x-amzn-ErrorType': e.errorType } : {}),
    'x-amz-apigw-id': extendedRequestId,
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(e.body);
}
