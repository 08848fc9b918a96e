import type { APIGatewayProxyResult } from 'aws-lambda';
import { ERROR_CODES } from '../constants.js';
import type { RequestError } from '../errors.js';

/** Header carrying the request id on every answer (API Gateway adds x-amzn-RequestId on AWS too). */
export const REQUEST_ID_HEADER = 'x-request-id';

export function jsonResponse(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json', [REQUEST_ID_HEADER]: requestId, ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

/** `{"error", "code", "requestId", "field"?, "index"?}`: the error contract of SPEC section 5. */
export function errorResponse(error: RequestError, requestId: string, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return jsonResponse(error.status, { error: error.message, code: error.code, requestId, ...error.location }, requestId, headers);
}

/** 500 without details: they go to the log only. */
export function internalErrorResponse(requestId: string): APIGatewayProxyResult {
  return jsonResponse(500, { error: 'internal error', code: ERROR_CODES.internal, requestId }, requestId);
}
