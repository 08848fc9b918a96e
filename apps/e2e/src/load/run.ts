import autocannon from 'autocannon';

export interface LoadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly bodies: readonly string[];
  readonly connections: number;
  /** Requests in all; the run ends when they are done. */
  readonly amount: number;
  /** Hard time bound: the run is stopped after this many seconds even if `amount` is not reached. */
  readonly maxSeconds: number;
}

export interface LoadSamples {
  /** Response time of every answered request, in ms. */
  readonly latenciesMs: number[];
  /** Answers per whole second since the start, and the non-2xx among them. */
  readonly perSecond: { second: number; answers: number; non2xx: number }[];
  readonly statuses: Record<string, number>;
  readonly result: autocannon.Result;
  readonly stoppedByTime: boolean;
}

/** Runs autocannon against `POST <url>/predict`, keeping every latency for the report's histogram. */
export async function runLoad(o: LoadOptions): Promise<LoadSamples> {
  const target = new URL(`${o.url}/predict`);
  const latenciesMs: number[] = [];
  const perSecond: LoadSamples['perSecond'] = [];
  const statuses: Record<string, number> = {};
  const started = Date.now();
  let stoppedByTime = false;

  let settle: (r: autocannon.Result) => void = () => undefined;
  let fail: (e: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  // The callback form returns the instance (events, stop()); the promise form would not.
  const instance = autocannon({
    url: target.origin,
    connections: o.connections,
    amount: o.amount,
    timeout: 30,
    requests: o.bodies.map((body) => ({
      method: 'POST' as const,
      path: target.pathname,
      headers: { 'content-type': 'application/json', 'x-api-key': o.apiKey },
      body,
    })),
  }, (err, result) => (err ? fail(err) : settle(result)));
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latenciesMs.push(responseTime);
    statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    const second = Math.floor((Date.now() - started) / 1000);
    while (perSecond.length <= second) perSecond.push({ second: perSecond.length, answers: 0, non2xx: 0 });
    const bucket = perSecond[second] as { answers: number; non2xx: number };
    bucket.answers++;
    if (statusCode < 200 || statusCode >= 300) bucket.non2xx++;
  });
  const timer = setTimeout(() => {
    stoppedByTime = true;
    instance.stop();
  }, o.maxSeconds * 1000);
  const result = await done;
  clearTimeout(timer);
  return { latenciesMs, perSecond, statuses, result, stoppedByTime };
}
