import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the test server saw of one request. */
export interface SeenRequest {
  method: string;
  /** The path and query, e.g. `/test/predict`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** performance.now() when the request's body had arrived. */
  at: number;
}

export type Handler = (
  seen: SeenRequest,
  res: ServerResponse,
  req: IncomingMessage,
  /** 0 for the first request this server got. */
  index: number,
) => void | Promise<void>;

export interface TestServer {
  /** The stage URL, `http://127.0.0.1:<port>/test`, as the local stage prints it. */
  stageUrl: string;
  requests: SeenRequest[];
  /** The most requests in flight at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** Starts a real HTTP server on a free loopback port; every request is recorded, then handed over. */
export async function startServer(handler: Handler): Promise<TestServer> {
  let inFlight = 0;
  const state: TestServer = {
    stageUrl: '',
    requests: [],
    maxInFlight: 0,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    // 'finish' when the answer is handed to the OS (before the client can send its next request),
    // 'close' when the socket is destroyed without one; whichever comes first ends the request.
    let ended = false;
    const done = (): void => {
      if (ended) return;
      ended = true;
      inFlight--;
    };
    res.once('finish', done);
    res.once('close', done);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: performance.now(),
      };
      const index = state.requests.push(seen) - 1;
      void Promise.resolve(handler(seen, res, req, index)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  state.stageUrl = `http://127.0.0.1:${port}/test`;
  return state;
}

/** Answers JSON, as the Lambda and API Gateway do. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The labels a fake model gives: `label:<text>`, so order is checkable. */
export function echoLabels(body: string): string[] {
  return (JSON.parse(body) as string[]).map((text) => `label:${text}`);
}
