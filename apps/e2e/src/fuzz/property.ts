import { parseErrorAnswer, successShapeProblem } from '../contract.js';
import type { RawResponse } from '../rawHttp.js';
import type { FuzzRequest } from './requests.js';

/** A well-formed key no usage plan knows. */
export const WRONG_KEY = 'fuzzWrongKey00000000000000000000000000000';

/** Status each function error code must come with. */
const CODE_STATUS: Readonly<Record<string, number>> = {
  invalid_json: 400,
  invalid_input: 400,
  explain_unsupported: 400,
  payload_too_large: 413,
};

/** Why an answer breaks the contract, or undefined. */
export function violation(req: FuzzRequest, res: RawResponse, labels: ReadonlySet<string>): string | undefined {
  if (res.status >= 500) return `${res.status} ${res.text.slice(0, 200)}`;
  if (res.status === 200) {
    if (req.key !== 'valid') return `200 without a valid key`;
    return successShapeProblem(res, labels);
  }
  const answer = parseErrorAnswer(res);
  if (typeof answer === 'string') return answer;
  if (answer.kind === 'gateway') {
    if (req.key !== 'valid' && res.status === 403 && answer.message === 'Forbidden') return undefined;
    if (!req.path.startsWith('/predict') && res.status === 403) return undefined;
    if (res.status === 429) return undefined; // a deployed stage's usage plan
    return `API Gateway answered ${res.status} ${answer.message} to a keyed request on ${req.path}`;
  }
  if (req.key !== 'valid') return `the function answered a request without a valid key`;
  if (CODE_STATUS[answer.code] !== res.status) return `code ${answer.code} with status ${res.status}`;
  if (answer.requestId !== res.headers.get('x-amzn-requestid')) return `requestId ${answer.requestId} is not the x-amzn-RequestId header`;
  return undefined;
}
