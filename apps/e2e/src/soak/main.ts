/**
 * `npm run soak -w @org/classifier-e2e`: SOAK_SECONDS (300) at SOAK_RATE (40) req/s against
 * `POST /predict`. Passes when no request failed and every execution environment's resident memory
 * grew by less than SOAK_MAX_SLOPE_MB_PER_MIN (1) MB/min after SOAK_WARMUP_SECONDS (60).
 * Writes reports/soak.json and reports/soak.html.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { numberFromEnv, openScriptTarget } from '../cli/scriptTarget.js';
import { postBodies } from '../load/bodies.js';
import { renderHtmlReport } from '../report/html.js';
import { lineSvg } from '../report/svg.js';
import { round, summarize } from '../stats.js';
import { RssSampler } from './rssSampler.js';
import { steadyLoad } from './steadyLoad.js';

const REPORTS = join(import.meta.dirname, '..', '..', 'reports');
const COLORS = ['#4a7fb5', '#c0392b', '#27ae60', '#8e44ad', '#d35400', '#16a085'];

async function main(): Promise<number> {
  const seconds = numberFromEnv('SOAK_SECONDS', 300);
  const rate = numberFromEnv('SOAK_RATE', 40);
  const sampleEvery = numberFromEnv('SOAK_SAMPLE_SECONDS', 5);
  const warmup = Math.min(numberFromEnv('SOAK_WARMUP_SECONDS', 60), seconds / 2);
  const maxSlope = numberFromEnv('SOAK_MAX_SLOPE_MB_PER_MIN', 1);
  const environments = numberFromEnv('SOAK_ENVIRONMENTS', 2);
  const bodies = await postBodies(63);
  const target = await openScriptTarget({ script: 'soak', usagePlan: 'unlimited', environments });
  try {
    const sampler = new RssSampler(target.stage?.log);
    const timer = setInterval(() => sampler.sample(), sampleEvery * 1000);
    console.error(`soak: ${seconds} s at ${rate} req/s (${Math.floor(seconds * rate)} requests), RSS every ${sampleEvery} s`);
    const run = await steadyLoad({
      url: target.url,
      apiKey: target.apiKey,
      bodies,
      ratePerSecond: rate,
      seconds,
      maxInFlight: 64,
      onSecond: (s) => {
        if (s > 0 && s % 30 === 0) {
          const last = sampler.samples.at(-1);
          const rss = last ? Object.values(last.rssMb).map((mb) => mb.toFixed(1)).join(', ') : '-';
          console.error(`soak: ${s} s, RSS MB per environment: ${rss}`);
        }
      },
    });
    clearInterval(timer);
    sampler.sample();
    sampler.stop();

    const lat = summarize(run.latenciesMs);
    const slopes = target.kind === 'local' ? sampler.slopes(warmup) : {};
    const worst = Math.max(...Object.values(slopes).map((s) => s.slopeMbPerMin).filter(Number.isFinite), Number.NEGATIVE_INFINITY);
    const reportPeak = Math.max(...sampler.samples.map((s) => s.reportMaxMb ?? 0));
    const rssObservable = Object.keys(slopes).length > 0;
    const passed = run.failed === 0 && run.missedTicks === 0 && (!rssObservable || worst < maxSlope);
    const report = {
      target: { kind: target.kind, url: target.url },
      config: { seconds, rate, sampleEvery, warmupSeconds: warmup, maxSlopeMbPerMin: maxSlope, environments: target.kind === 'local' ? environments : undefined },
      requests: { sent: run.sent, ok: run.ok, failed: run.failed, missedTicks: run.missedTicks, failures: run.failures },
      latencyMs: { mean: round(lat.mean), p50: round(lat.p50), p90: round(lat.p90), p99: round(lat.p99), max: round(lat.max) },
      rss: rssObservable
        ? {
            source: '/proc/<pid>/status VmRSS of each execution environment',
            slopeAfterWarmupMbPerMin: Object.fromEntries(Object.entries(slopes).map(([pid, s]) => [pid, { ...s, slopeMbPerMin: round(s.slopeMbPerMin, 3), firstMb: round(s.firstMb, 1), lastMb: round(s.lastMb, 1) }])),
            worstSlopeMbPerMin: round(worst, 3),
            reportMaxMemoryUsedMb: reportPeak || undefined,
            samples: sampler.samples.map((s) => ({ t: round(s.t, 1), rssMb: Object.fromEntries(Object.entries(s.rssMb).map(([k, v]) => [k, round(v, 1)])) })),
          }
        : { source: 'not observable on a deployed stage: read Max Memory Used from the function REPORT lines in CloudWatch Logs' },
      passed,
    };
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, 'soak.json'), `${JSON.stringify(report, null, 2)}\n`);
    const pids = [...new Set(sampler.samples.flatMap((s) => Object.keys(s.rssMb)))];
    writeFileSync(
      join(REPORTS, 'soak.html'),
      renderHtmlReport('Soak: POST /predict at a steady rate', `${target.kind} stage ${target.url}`, [
        {
          heading: 'Figures',
          figures: {
            'requests sent / ok / failed': `${run.sent} / ${run.ok} / ${run.failed}`,
            'missed ticks (stage behind the rate)': run.missedTicks,
            'latency p50 / p99 / max, ms': `${report.latencyMs.p50} / ${report.latencyMs.p99} / ${report.latencyMs.max}`,
            'worst RSS slope after warm-up, MB/min': rssObservable ? round(worst, 3) : 'n/a',
            'REPORT Max Memory Used, MB': reportPeak || 'n/a',
            result: passed ? 'passed' : 'FAILED',
          },
        },
        ...(rssObservable
          ? [{
              heading: 'Resident memory per execution environment',
              svg: lineSvg('VmRSS', 's', 'MB', pids.map((pid, i) => ({
                name: `pid ${pid}`,
                color: COLORS[i % COLORS.length] as string,
                points: sampler.samples.filter((s) => s.rssMb[pid] !== undefined).map((s) => [s.t, s.rssMb[pid] as number] as const),
              }))),
            }]
          : []),
        {
          heading: 'Throughput',
          svg: lineSvg('Answers per second', 's', 'answers/s', [
            { name: 'answers', color: '#4a7fb5', points: run.perSecond.map((b) => [b.second, b.answers] as const) },
            { name: 'failed', color: '#c0392b', points: run.perSecond.map((b) => [b.second, b.failed] as const) },
          ]),
        },
      ]),
    );
    console.log(
      `soak: ${run.sent} sent, ${run.ok} ok, ${run.failed} failed, ${run.missedTicks} missed ticks; latency p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms; ` +
        (rssObservable ? `worst RSS slope after ${warmup} s: ${round(worst, 3)} MB/min (limit ${maxSlope}); REPORT peak ${reportPeak} MB` : 'RSS not observable on this target') +
        `; ${passed ? 'PASSED' : 'FAILED'}; reports/soak.json, reports/soak.html`,
    );
    for (const f of run.failures.slice(0, 5)) console.error(`soak: failure: ${f}`);
    return passed ? 0 : 1;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`soak: ${(err as Error).message}`);
    process.exit(1);
  },
);
