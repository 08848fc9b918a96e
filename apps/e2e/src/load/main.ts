/**
 * `npm run load -w @org/classifier-e2e`: a bounded autocannon run against `POST /predict`, written to
 * reports/load.json and a self-contained reports/load.html (latency histogram, throughput over time).
 * Bounds: LOAD_REQUESTS (10000) requests and at most LOAD_MAX_SECONDS (60) s, LOAD_CONNECTIONS (8).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberFromEnv, openScriptTarget } from '../cli/scriptTarget.js';
import { renderHtmlReport } from '../report/html.js';
import { histogramSvg, lineSvg } from '../report/svg.js';
import { histogram, round, summarize } from '../stats.js';
import { postBodies } from './bodies.js';
import { runLoad } from './run.js';

const REPORTS = join(import.meta.dirname, '..', '..', 'reports');

async function main(): Promise<number> {
  const amount = numberFromEnv('LOAD_REQUESTS', 10_000);
  const maxSeconds = numberFromEnv('LOAD_MAX_SECONDS', 60);
  const connections = numberFromEnv('LOAD_CONNECTIONS', 8);
  const environments = numberFromEnv('LOAD_ENVIRONMENTS', 2);
  const bodies = await postBodies(63);
  // The plan is lifted on the local stage: the run measures the stage, not the usage plan.
  const target = await openScriptTarget({ script: 'load', usagePlan: 'unlimited', environments });
  try {
    // Warm-up (not measured): one cold start per environment.
    await Promise.all(
      Array.from({ length: environments }, () =>
        fetch(`${target.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': target.apiKey }, body: bodies[0] as string }).then((r) => r.text()),
      ),
    );
    console.error(`load: ${amount} requests, ${connections} connections, at most ${maxSeconds} s`);
    const run = await runLoad({ url: target.url, apiKey: target.apiKey, bodies, connections, amount, maxSeconds });
    const lat = summarize(run.latenciesMs);
    const r = run.result;
    const report = {
      target: { kind: target.kind, url: target.url },
      config: { amount, maxSeconds, connections, environments: target.kind === 'local' ? environments : undefined, bodies: bodies.length },
      startedAt: r.start,
      durationS: r.duration,
      stoppedByTime: run.stoppedByTime,
      requests: { answered: run.latenciesMs.length, sent: r.requests.sent, ok2xx: r['2xx'], non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, statuses: run.statuses },
      throughputRps: { mean: round(r.requests.average), min: r.requests.min, max: r.requests.max },
      latencyMs: { mean: round(lat.mean), p50: round(lat.p50), p90: round(lat.p90), p99: round(lat.p99), max: round(lat.max) },
      perSecond: run.perSecond,
    };
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, 'load.json'), `${JSON.stringify(report, null, 2)}\n`);
    const upper = Math.max(1, lat.p99 * 1.5);
    // The last second is usually partial (the run ends inside it): plotted, it would look like a collapse.
    const fullSeconds = run.perSecond.filter((b) => b.second < Math.floor(r.duration));
    const html = renderHtmlReport('Load: POST /predict', `${target.kind} stage ${target.url}, ${r.start.toISOString()}`, [
      {
        heading: 'Figures',
        figures: {
          'requests answered': report.requests.answered,
          '2xx': report.requests.ok2xx,
          'non-2xx': report.requests.non2xx,
          'errors (incl. timeouts)': report.requests.errors,
          'throughput, mean req/s': report.throughputRps.mean,
          'latency p50 / p90 / p99 / max, ms': `${report.latencyMs.p50} / ${report.latencyMs.p90} / ${report.latencyMs.p99} / ${report.latencyMs.max}`,
          connections,
          'duration, s': r.duration,
        },
      },
      { heading: 'Latency', svg: histogramSvg(`Latency histogram (to 1.5 x p99; ${run.latenciesMs.filter((v) => v > upper).length} slower in the last bin)`, 'ms', histogram(run.latenciesMs, 40, upper)) },
      {
        heading: 'Throughput over time',
        svg: lineSvg('Answers per second (whole seconds)', 's', 'answers/s', [
          { name: 'answers', color: '#4a7fb5', points: fullSeconds.map((b) => [b.second, b.answers] as const) },
          { name: 'non-2xx', color: '#c0392b', points: fullSeconds.map((b) => [b.second, b.non2xx] as const) },
        ]),
      },
    ]);
    writeFileSync(join(REPORTS, 'load.html'), html);
    console.log(
      `load: ${report.requests.answered} answered (${report.requests.ok2xx} 2xx, ${report.requests.non2xx} non-2xx, ${report.requests.errors} errors) in ${r.duration} s; ` +
        `${report.throughputRps.mean} req/s; latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms; reports/load.json, reports/load.html`,
    );
    return report.requests.non2xx === 0 && report.requests.errors === 0 ? 0 : 1;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`load: ${(err as Error).message}`);
    process.exit(1);
  },
);
