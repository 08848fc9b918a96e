/**
 * Throughput of the local stage for the article's example, side by side in one run with
 * (a) the deployed handler called in-process, (b) a plain node:http server around the same handler,
 * and (c) the article's Flask server on gunicorn with 2 workers where python3-sklearn, python3-flask
 * and gunicorn are installed. 16 connections, loopback only, bounded duration.
 * Needs the real stack, bundle and model (npm run synth); usage-plan limits are lifted for the run.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { fileURLToPath, pathToFileURL } from 'node:url';
import autocannon from 'autocannon';
import { functionCodeDir } from '../src/lambda/functionCode.js';
import { loadStage } from '../src/stack/resolveStack.js';
import { ARTICLE_EXAMPLE, REAL, missingRealInputs } from '../test/helpers/realStack.js';

const CONNECTIONS = 16;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const BODY = JSON.stringify([ARTICLE_EXAMPLE]);
const BASELINES = fileURLToPath(new URL('../../../../shared/baselines', import.meta.url));

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

/**
 * Load from a second process with wrk (Debian's `wrk`) when it is installed, else autocannon in this
 * process. wrk is preferred: it keeps the load generator's CPU out of the bench process, and autocannon
 * stalls against gunicorn's sync workers (which close every connection), which made Flask look 3x
 * slower than it is.
 */
async function load(name: string, url: string, headers: Record<string, string> = {}): Promise<Row> {
  const all = { 'content-type': 'application/json', ...headers };
  if (hasWrk) {
    wrk(url, all, 2);
    return { name, ...wrk(url, all, DURATION_S) };
  }
  // Warm-up (cold starts, JIT), then the measured run.
  await autocannon({ url, method: 'POST', body: BODY, headers: all, connections: CONNECTIONS, duration: 2 });
  const r = await autocannon({ url, method: 'POST', body: BODY, headers: all, connections: CONNECTIONS, duration: DURATION_S });
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

const hasWrk = (() => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version; only a missing binary is ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

function wrk(url: string, headers: Record<string, string>, seconds: number): Omit<Row, 'name'> {
  const script = join(tmpdir(), `bench-post-${process.pid}.lua`);
  const lua = [`wrk.method = "POST"`, `wrk.body = ${JSON.stringify(BODY)}`, ...Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)];
  writeFileSync(script, `${lua.join('\n')}\n`);
  const out = execFileSync('wrk', ['-t2', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' });
  const ms = (label: string) => {
    const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) return Number.NaN;
    const v = Number(m[1]);
    return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
  };
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = socket ? socket.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN), p50: ms('50%'), p99: ms('99%'), errors, non2xx };
}

function waitFor(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null) => reject(new Error(`exited ${code} before ready: ${out.slice(-2000)}`));
    const on = (d: Buffer) => {
      out += d;
      const m = pattern.exec(out);
      if (!m) return;
      // Stop matching (and accumulating) once ready: the servers go on logging every request, and a
      // listener that kept growing this string cost the bench process more CPU than the load itself.
      child.stdout?.off('data', on);
      child.stderr?.off('data', on);
      child.off('exit', onExit);
      child.stdout?.resume();
      child.stderr?.resume();
      resolve(m);
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', onExit);
  });
}

const stopAll: ChildProcess[] = [];
const stop = async (c: ChildProcess) => {
  if (c.exitCode !== null) return;
  const gone = new Promise((r) => c.once('exit', r));
  c.kill('SIGTERM');
  await gone;
};

async function main(): Promise<void> {
  const missing = missingRealInputs();
  if (missing.length > 0) {
    process.stderr.write(`bench needs the real inputs; missing: ${missing.join('; ')}\n`);
    process.exit(1);
  }
  const model = await loadStage(REAL.synthDir, REAL.stack);
  const fn = [...model.functions.values()][0]!;
  const codeDir = await functionCodeDir(fn.code);
  const fnEnv = { ...fn.environment, AWS_REGION: model.region, TZ: ':UTC' };
  const rows: Row[] = [];

  // (a) in-process: the handler awaited in a loop (one caller, no HTTP).
  {
    const child = spawn(process.execPath, ['--input-type=module', '-e', `
      const { handler } = await import(${JSON.stringify(pathToFileURL(join(codeDir, 'index.mjs')).href)});
      const ev = { resource: '/predict', path: '/predict', httpMethod: 'POST', headers: {}, body: ${JSON.stringify(BODY)}, isBase64Encoded: false, requestContext: { requestId: 'b' } };
      const ctx = { awsRequestId: 'b', getRemainingTimeInMillis: () => 10000 };
      for (let i = 0; i < 500; i++) await handler(ev, ctx);
      const n = 5000, t = [];
      const t0 = performance.now();
      for (let i = 0; i < n; i++) { const s = performance.now(); await handler(ev, ctx); t.push(performance.now() - s); }
      const total = performance.now() - t0; t.sort((a, b) => a - b);
      console.log(JSON.stringify({ rps: n / (total / 1000), p50: t[n >> 1], p99: t[Math.floor(n * 0.99)] }));
    `], { env: fnEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    const m = await waitFor(child, /(\{"rps".*\})/);
    const r = JSON.parse(m[1] as string) as { rps: number; p50: number; p99: number };
    rows.push({ name: 'handler in-process (1 caller)', ...r, errors: 0, non2xx: 0 });
  }

  // (b) plain node:http around the same handler.
  {
    const port = 18_000 + Math.floor(Math.random() * 1000);
    const child = spawn(process.execPath, [fileURLToPath(new URL('./plainServer.mjs', import.meta.url)), codeDir, String(port)], { env: fnEnv, stdio: ['ignore', 'pipe', 'inherit'] });
    stopAll.push(child);
    await waitFor(child, /READY/);
    rows.push(await load('plain node:http, 1 process', `http://127.0.0.1:${port}/test/predict`));
    await stop(child);
  }

  // The local stage: the CLI in its own process (gateway) + its execution environments.
  {
    const envs = String(Math.max(2, cpus().length));
    const child = spawn(process.execPath, [fileURLToPath(new URL('../bin/classifier-local-stage.js', import.meta.url)), '--stack', REAL.stack, '--synth-dir', REAL.synthDir, '--unlimited', '--quiet', '--environments', envs], { stdio: ['ignore', 'pipe', 'pipe'] });
    stopAll.push(child);
    // One wait for both lines: they often arrive in one chunk, which a second waitFor would never see.
    const ready = await waitFor(child, /STAGE_URL=(\S+)[\s\S]*API_KEY=(\S+)/);
    const url = ready[1] as string;
    const key = ready[2] as string;
    rows.push(await load(`local stage (${envs} environments)`, `${url}/predict`, { 'x-api-key': key }));
    await stop(child);
  }

  // (c) the article's Flask server, 2 gunicorn workers.
  let flask: Row | undefined;
  let flaskNote = '';
  try {
    // Debian's python3-sklearn is under /usr/bin/python3; a pyenv python3 earlier on PATH lacks it.
    const python = ['/usr/bin/python3', 'python3'].find((p) => {
      try {
        execFileSync(p, ['-c', 'import sklearn, flask'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!python) throw new Error('no python3 with scikit-learn and flask');
    execFileSync('gunicorn', ['--version'], { stdio: 'ignore' });
    const seedDir = join(tmpdir(), 'classifier-baseline-seed');
    if (!existsSync(join(seedDir, 'model.pickle'))) {
      mkdirSync(seedDir, { recursive: true });
      process.stderr.write('training the article seed model for the Flask baseline (~40 s)...\n');
      execFileSync(python, ['train_seed.py', seedDir], { cwd: BASELINES, stdio: ['ignore', 'ignore', 'inherit'] });
    }
    const port = 19_000 + Math.floor(Math.random() * 1000);
    const child = spawn('gunicorn', ['-w', '2', '-b', `127.0.0.1:${port}`, 'flask_app:app'], { cwd: BASELINES, env: { ...process.env, SEED_MODEL_DIR: seedDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    stopAll.push(child);
    await waitFor(child, /Booting worker[\s\S]*Booting worker/);
    await new Promise((r) => setTimeout(r, 1500)); // workers unpickle the model
    flask = await load('Flask + gunicorn, 2 workers', `http://127.0.0.1:${port}/test/predict`);
    rows.push(flask);
    await stop(child);
  } catch (err) {
    flaskNote = `Flask baseline not run (${(err as Error).message.split('\n')[0]}); apt-get install -y python3-sklearn python3-flask gunicorn. Reference figure: 952 req/s, p99 22.8 ms.`;
  }

  const stageRow = rows.find((r) => r.name.startsWith('local stage'))!;
  const flaskRps = flask?.rps ?? 952;
  process.stdout.write(`\n${CONNECTIONS} connections, ${DURATION_S} s, POST /predict with the article example, load from ${hasWrk ? 'wrk' : 'autocannon'} (${new Date().toISOString()})\n`);
  process.stdout.write(`${'setup'.padEnd(34)}${'req/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}${'non-2xx'.padStart(9)}${'vs Flask'.padStart(10)}\n`);
  for (const r of rows) {
    process.stdout.write(
      `${r.name.padEnd(34)}${r.rps.toFixed(0).padStart(10)}${r.p50.toFixed(2).padStart(9)}${r.p99.toFixed(2).padStart(9)}${String(r.errors).padStart(8)}${String(r.non2xx).padStart(9)}${`${(r.rps / flaskRps).toFixed(2)}x`.padStart(10)}\n`,
    );
  }
  if (flaskNote) process.stdout.write(`${flaskNote}\n`);
  process.stdout.write(`local stage vs Flask: ${(stageRow.rps / flaskRps).toFixed(2)}x (target >= 3x)${flask ? '' : ' [against the reference figure]'}\n`);
  process.stdout.write(`local stage vs plain node:http: ${(stageRow.rps / (rows[1]?.rps ?? 1)).toFixed(2)}x\n`);
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await Promise.all(stopAll.map(stop));
  });
