import type { IncomingMessage } from 'node:http';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => (n < 10 ? `0${n}` : String(n));

/** `requestTime` in API Gateway's CLF form: `09/Apr/2015:12:34:56 +0000`. */
export function clfTime(epochMs: number): string {
  const d = new Date(epochMs);
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

export interface ProxyEventInput {
  readonly req: IncomingMessage;
  /** The path after the stage, as requested (`/predict`, `/predict/`). */
  readonly path: string;
  readonly rawQuery: string;
  readonly stage: string;
  readonly resourcePath: string;
  readonly resourceId: string;
  readonly httpMethod: string;
  readonly pathParameters: Record<string, string> | null;
  readonly body: Buffer | undefined;
  readonly binaryMediaTypes: readonly string[];
  readonly requestId: string;
  readonly extendedRequestId: string;
  readonly traceId: string;
  readonly apiId: string;
  readonly accountId: string;
  readonly requestTimeEpoch: number;
  readonly apiKey: { readonly value: string; readonly id: string } | undefined;
  readonly sourceIp: string;
}

export function matchesMediaType(contentType: string | undefined, types: readonly string[]): boolean {
  if (!contentType || types.length === 0) return false;
  const ct = (contentType.split(';')[0] as string).trim().toLowerCase();
  const [major] = ct.split('/');
  return types.some((t) => {
    const tt = t.toLowerCase().replace('~1', '/'); // the API's binaryMediaTypes escape '/' as '~1' in patch paths
    return tt === ct || tt === '*/*' || (tt.endsWith('/*') && tt.slice(0, -2) === major);
  });
}

/**
 * The REST API (v1) Lambda proxy event, field for field as API Gateway sends it
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format):
 * headers keep the client's casing; `headers` holds the last value of a repeated header and
 * `multiValueHeaders` all of them; `queryStringParameters`, `multiValueQueryStringParameters`,
 * `pathParameters` and `stageVariables` are null (not `{}`) when there are none; `body` is null
 * without a body. Without a matching binaryMediaTypes entry a REST API passes the body as UTF-8
 * text with isBase64Encoded false; with one, as base64 with isBase64Encoded true
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html).
 */
export function buildProxyEvent(i: ProxyEventInput): Record<string, unknown> {
  const raw = i.req.rawHeaders;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const casing = new Map<string, string>();
  for (let k = 0; k < raw.length; k += 2) {
    const name = raw[k] as string;
    const value = raw[k + 1] as string;
    const lower = name.toLowerCase();
    const key = casing.get(lower) ?? name;
    casing.set(lower, key);
    headers[key] = value;
    (multiValueHeaders[key] ??= []).push(value);
  }
  // Headers API Gateway adds on the way to the integration.
  const add = (name: string, value: string, append = false) => {
    const key = casing.get(name.toLowerCase()) ?? name;
    casing.set(name.toLowerCase(), key);
    const prev = headers[key];
    headers[key] = append && prev ? `${prev}, ${value}` : value;
    multiValueHeaders[key] = [headers[key] as string];
  };
  add('X-Forwarded-For', i.sourceIp, true);
  add('X-Forwarded-Port', String(i.req.socket.localPort ?? 80));
  add('X-Forwarded-Proto', 'http');
  add('X-Amzn-Trace-Id', i.traceId);

  let queryStringParameters: Record<string, string> | null = null;
  let multiValueQueryStringParameters: Record<string, string[]> | null = null;
  if (i.rawQuery.length > 0) {
    queryStringParameters = {};
    multiValueQueryStringParameters = {};
    for (const [k, v] of new URLSearchParams(i.rawQuery)) {
      queryStringParameters[k] = v;
      (multiValueQueryStringParameters[k] ??= []).push(v);
    }
  }

  let body: string | null = null;
  let isBase64Encoded = false;
  if (i.body && i.body.length > 0) {
    if (matchesMediaType(i.req.headers['content-type'], i.binaryMediaTypes)) {
      body = i.body.toString('base64');
      isBase64Encoded = true;
    } else {
      body = i.body.toString('utf8');
    }
  }
  const host = i.req.headers.host ?? '127.0.0.1';
  const domainName = host.replace(/:\d+$/, '');

  return {
    resource: i.resourcePath,
    path: i.path,
    httpMethod: i.httpMethod,
    headers,
    multiValueHeaders,
    queryStringParameters,
    multiValueQueryStringParameters,
    pathParameters: i.pathParameters,
    stageVariables: null,
    requestContext: {
      resourceId: i.resourceId,
      resourcePath: i.resourcePath,
      httpMethod: i.httpMethod,
      extendedRequestId: i.extendedRequestId,
      requestTime: clfTime(i.requestTimeEpoch),
      path: `/${i.stage}${i.path}`,
      accountId: i.accountId,
      protocol: `HTTP/${i.req.httpVersion}`,
      stage: i.stage,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      requestTimeEpoch: i.requestTimeEpoch,
      requestId: i.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        cognitoIdentityId: null,
        apiKey: i.apiKey?.value ?? null,
        principalOrgId: null,
        cognitoAuthenticationType: null,
        userArn: null,
        apiKeyId: i.apiKey?.id ?? null,
        userAgent: i.req.headers['user-agent'] ?? null,
        accountId: null,
        caller: null,
        sourceIp: i.sourceIp,
        accessKey: null,
        cognitoAuthenticationProvider: null,
        user: null,
      },
      domainName,
      deploymentId: i.apiId.slice(0, 6),
      apiId: i.apiId,
    },
    body,
    isBase64Encoded,
  };
}
