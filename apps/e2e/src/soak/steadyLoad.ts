export interface SteadyLoadOptions {
  readonly url: string;
  readonly apiKey: string;
  readonly bodies: readonly string[];
  readonly ratePerSecond: number;
  readonly seconds: number;
  /** Requests in flight at most; a tick that finds this many waiting is counted as missed, not queued. */
  readonly maxInFlight: number;
  readonly onSecond?: (second: number) => void;
}

export interface SteadyLoadResult {
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  /** The first failures (status or error), for the report. */
  readonly failures: string[];
  /** Ticks skipped because `maxInFlight` requests were still waiting (the stage fell behind the rate). */
  readonly missedTicks: number;
  readonly latenciesMs: number[];
  readonly perSecond: { second: number; answers: number; failed: number }[];
}

/**
 * An open-loop steady rate: one request every 1/rate s whatever the answers do (a closed loop would
 * slow down with the server and hide a degradation). Timing uses absolute deadlines, so timer drift
 * does not lower the rate over five minutes.
 */
export async function steadyLoad(o: SteadyLoadOptions): Promise<SteadyLoadResult> {
  const interval = 1000 / o.ratePerSecond;
  const total = Math.floor(o.seconds * o.ratePerSecond);
  const started = performance.now();
  const result = { sent: 0, ok: 0, failed: 0, failures: [] as string[], missedTicks: 0, latenciesMs: [] as number[], perSecond: [] as SteadyLoadResult['perSecond'] };
  const inFlight = new Set<Promise<void>>();
  let lastSecond = -1;

  const bucket = (second: number) => {
    while (result.perSecond.length <= second) result.perSecond.push({ second: result.perSecond.length, answers: 0, failed: 0 });
    return result.perSecond[second] as { answers: number; failed: number };
  };
  const fail = (what: string, second: number) => {
    result.failed++;
    bucket(second).failed++;
    if (result.failures.length < 20) result.failures.push(what);
  };

  for (let i = 0; i < total; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const second = Math.floor((performance.now() - started) / 1000);
    if (second !== lastSecond) {
      lastSecond = second;
      o.onSecond?.(second);
    }
    if (inFlight.size >= o.maxInFlight) {
      result.missedTicks++;
      continue;
    }
    const body = o.bodies[i % o.bodies.length] as string;
    result.sent++;
    const t0 = performance.now();
    const p = fetch(`${o.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': o.apiKey },
      body,
      signal: AbortSignal.timeout(30_000),
    })
      .then(async (res) => {
        const text = await res.text();
        const s = Math.floor((performance.now() - started) / 1000);
        bucket(s).answers++;
        if (res.status === 200) {
          result.ok++;
          result.latenciesMs.push(performance.now() - t0);
        } else fail(`request ${i}: ${res.status} ${text.slice(0, 120)}`, s);
      })
      .catch((err: unknown) => fail(`request ${i}: ${(err as Error).message}`, Math.floor((performance.now() - started) / 1000)))
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  return result;
}
