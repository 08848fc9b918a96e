import { startStage } from '../stage/localStage.js';
import { environmentPids } from '../stage/environments.js';
import { ARTICLE } from '../constants.js';
import { Checks, type FaultResult } from './types.js';

interface Answer {
  readonly at: number;
  readonly status: number | 'error';
  readonly body: string;
}

/**
 * Kills one execution environment (SIGKILL, as a crash or an OOM kill) while it serves: the request it
 * was serving gets API Gateway's 502, every other request succeeds, and the pool starts a replacement.
 */
export async function killUnderLoad(options: { seconds: number; killAt: number; workers: number }): Promise<FaultResult> {
  const stage = await startStage({ usagePlan: 'unlimited', environments: 2 });
  const checks = new Checks();
  // Collected as they come: thousands of requests scroll the crash's REPORT line out of the log tail.
  const crashReports: string[] = [];
  stage.log.onLine((line) => {
    if (/^REPORT .*Status: error/.test(line)) crashReports.push(line);
  });
  try {
    const answers: Answer[] = [];
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    const body = JSON.stringify([ARTICLE.text]);
    // Closed-loop workers, more than environments: both environments stay busy, so the one killed
    // has a request in flight.
    const worker = async () => {
      while (elapsed() < options.seconds) {
        try {
          const res = await fetch(`${stage.url}/predict`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': stage.apiKey }, body, signal: AbortSignal.timeout(30_000) });
          answers.push({ at: elapsed(), status: res.status, body: await res.text() });
        } catch (err) {
          answers.push({ at: elapsed(), status: 'error', body: (err as Error).message });
        }
      }
    };
    let killed: { pid: number; at: number } | undefined;
    let before: number[] = [];
    const killer = (async () => {
      await new Promise((r) => setTimeout(r, options.killAt * 1000));
      before = environmentPids();
      const pid = before[0];
      if (pid !== undefined) {
        process.kill(pid, 'SIGKILL');
        killed = { pid, at: elapsed() };
      }
    })();
    await Promise.all([killer, ...Array.from({ length: options.workers }, worker)]);
    const after = environmentPids();

    const by = (s: number | 'error') => answers.filter((a) => a.status === s);
    const bad = answers.filter((a) => a.status !== 200 && a.status !== 502);
    const after2s = answers.filter((a) => killed && a.at > killed.at + 2);
    checks.that(killed !== undefined, 'no execution environment was found to kill (none started?)');
    checks.that(bad.length === 0, `answers other than 200/502: ${bad.slice(0, 3).map((a) => `${a.status} ${a.body.slice(0, 80)}`).join('; ')}`);
    checks.that(by(502).length <= 1, `${by(502).length} requests got 502; only the one in flight may`);
    checks.that(by(502).every((a) => a.body.replace(/\s/g, '') === '{"message":"Internalservererror"}'), 'a 502 body is not API Gateway\'s {"message": "Internal server error"}');
    checks.that(after2s.length > 0 && after2s.every((a) => a.status === 200), 'the stage did not serve every request from 2 s after the kill on');
    checks.that(after.some((pid) => !before.includes(pid)), `no replacement environment started (before ${before.join(',')}, after ${after.join(',')})`);
    if (by(502).length === 1) checks.that(crashReports.length >= 1, 'the 502 has no REPORT line with Status: error');
    return {
      name: 'kill an execution environment under load',
      passed: checks.problems.length === 0,
      problems: checks.problems,
      figures: {
        requests: answers.length,
        ok: by(200).length,
        '502': by(502).length,
        networkErrors: by('error').length,
        killedAtS: killed ? Number(killed.at.toFixed(2)) : undefined,
        environmentsBefore: before.length,
        replacementStarted: after.some((pid) => !before.includes(pid)),
        crashReport: crashReports[0]?.replace(/RequestId: \S+/, 'RequestId: ...'),
      },
    };
  } finally {
    await stage.close();
  }
}
