/**
 * `npm run fuzz -w @org/classifier-e2e`: FUZZ_RUNS (1000) property-based requests (fast-check) against
 * `POST /predict` of a local stage (or a deployed one with --deployed). The property (SPEC section 10):
 * never a 5xx; every error is either the function's JSON (`error`, `code`, `requestId`; status and code
 * agree) or API Gateway's `{"message"}`; every 200 is a label array or the rich form. FUZZ_SEED replays a run.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { numberFromEnv, openScriptTarget } from '../cli/scriptTarget.js';
import { RawHttp } from '../rawHttp.js';
import { summarize, round } from '../stats.js';
import { WRONG_KEY, violation } from './property.js';
import { fuzzRequest } from './requests.js';

const REPORTS = join(import.meta.dirname, '..', '..', 'reports');

async function main(): Promise<number> {
  const runs = numberFromEnv('FUZZ_RUNS', 1000);
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Date.now() % 2 ** 31;
  const target = await openScriptTarget({ script: 'fuzz', usagePlan: 'unlimited', environments: 2 });
  try {
    const raw = new RawHttp(target.url, target.apiKey);
    const model = (await raw.get('/model')).json as { labels?: string[] };
    const labels = new Set(model.labels ?? []);
    const statuses: Record<string, number> = {};
    const kinds: Record<string, Record<string, number>> = {};
    const latencies: number[] = [];
    let sent = 0;
    const property = fc.asyncProperty(fuzzRequest, async (req) => {
      const res = await raw.request(req.path, {
        method: 'POST',
        body: req.body,
        apiKey: req.key === 'valid' ? undefined : req.key === 'missing' ? null : WRONG_KEY,
        headers: req.contentType ? { 'content-type': req.contentType } : {},
      });
      sent++;
      latencies.push(res.ms);
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
      const perKind = (kinds[req.kind] ??= {});
      perKind[res.status] = (perKind[res.status] ?? 0) + 1;
      const problem = violation(req, res, labels);
      if (problem) throw new Error(problem);
    });
    console.error(`fuzz: ${runs} runs, seed ${seed}`);
    const details = await fc.check(property, { numRuns: runs, seed, endOnFailure: false });
    const lat = summarize(latencies);
    const report = {
      target: { kind: target.kind, url: target.url },
      seed,
      runs,
      requests: sent,
      statuses,
      byKind: kinds,
      latencyMs: { p50: round(lat.p50), p99: round(lat.p99), max: round(lat.max) },
      failed: details.failed,
      ...(details.failed
        ? {
            counterexample: JSON.stringify(details.counterexample, (_k, v) => (typeof v === 'string' && v.length > 300 ? `${v.slice(0, 300)}... (${v.length} chars)` : v)).slice(0, 3000),
            error: String(details.errorInstance).slice(0, 1000),
            replay: `FUZZ_SEED=${seed}`,
          }
        : {}),
    };
    mkdirSync(REPORTS, { recursive: true });
    writeFileSync(join(REPORTS, 'fuzz.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      `fuzz: ${sent} requests, ${details.failed ? 'FAILED' : 'no contract violation'}; statuses ${JSON.stringify(statuses)}; p50 ${report.latencyMs.p50} ms, p99 ${report.latencyMs.p99} ms; seed ${seed}; reports/fuzz.json`,
    );
    if (details.failed) console.log(`fuzz: ${report.error}\n  counterexample: ${report.counterexample}\n  replay with ${report.replay}`);
    return details.failed ? 1 : 0;
  } finally {
    await target.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`fuzz: ${(err as Error).message}`);
    process.exit(1);
  },
);
