/**
 * npm run bench -w @org/classifier-inference
 *
 * Measures what SPEC section 9 asks of the handler, on the bundle Lambda runs (dist/lambda):
 * init in a fresh process (imports + model load + session), in-process handler p50/p99 for one text
 * over the test split's posts, batch-of-64 latency, RSS after init and after 10,000 requests, the zip
 * size; the cost of logging + EMF and of the session option choices; and, where python3-sklearn is
 * installed, the article's Python handler in the same run (ratios, since absolute times drift here).
 *
 * Env: CLASSIFIER_ARTIFACT_DIR (default: the trainer's artifacts), BENCH_SINGLE (2000), BENCH_WARMUP (500), BENCH_SUSTAINED
 * (10000), BENCH_PYTHON (path of a python3 with scikit-learn; default /usr/bin/python3), BENCH_ROUNDS (5: rounds of
 * ours and the baseline, alternating), BENCH_QUICK=1.
 */
import { execFile, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_ARTIFACT_DIR } from '@org/classifier-artifact';
import { closeSync, openSync, writeSync } from 'node:fs';
import { EmfMetrics } from '../src/observability/metrics.js';
import { RequestLog } from '../src/observability/requestLog.js';
import { bundle } from '../scripts/bundle.js';

const run = promisify(execFile);
const HERE = fileURLToPath(new URL('.', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));
const MB = 1024 * 1024;

/** Targets (SPEC section 9): the article's handler measured here, divided by 10. */
const PY_REFERENCE = { p50: 1.39, p99: 2.65, batch64: 9.1 };

interface ProbeResult {
  initMs: number;
  processMs?: number;
  rssInit: number;
  rssPosts?: number;
  p50?: number;
  p99?: number;
  n?: number;
  batch64?: number;
  richP50?: number;
  richP99?: number;
  sustained?: number;
  sustainedRps?: number;
  rssAfter?: number;
  largestMs?: number;
  largestBytes?: number;
  hwmBefore?: number;
  hwmAfter?: number;
}

function probe(bundleDir: string, postsFile: string, mode: 'init' | 'latency', env: Record<string, string>): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = fork(join(HERE, 'handlerProbe.mjs'), [bundleDir, postsFile, mode], {
      // stdout (one log line + EMF per request) really is written, to /dev/null: its cost is measured.
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { PATH: process.env.PATH ?? '', ...env },
      execArgv: [],
    });
    let result: ProbeResult | undefined;
    child.on('message', (m) => {
      result = m as ProbeResult;
    });
    child.on('error', reject);
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`probe exited ${code} without a result`))));
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const f = (x: number | undefined, d = 3) => (x === undefined ? 'n/a' : x.toFixed(d));

/** The python3 with scikit-learn the baseline runs on, or why there is none. */
async function sklearnPython(): Promise<string | { skipped: string }> {
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  try {
    await run(python, ['-c', 'import sklearn']);
    return python;
  } catch {
    return { skipped: `skipped: ${python} has no scikit-learn (apt-get install python3-sklearn)` };
  }
}

/**
 * The test posts in the order the Python baseline times them (scikit-learn's shuffled test split:
 * handler_bench.py takes its first 2,000 single posts and its first 20 batches of 64), so that both
 * handlers are timed on the same posts: p99 is set by the few longest posts of the sample, and two
 * different samples of 2,000 moved the ratio by itself. Without Python: the trainer's loader, in a
 * fixed-seed shuffle (the loader's own order is sorted by group).
 */
async function testPosts(python: string | undefined): Promise<{ posts: string[]; sample: string }> {
  if (python) {
    const script = 'import json, sys\nfrom newsgroups import load\njson.dump(load("test").data, sys.stdout)';
    const { stdout } = await run(python, ['-c', script], { cwd: join(SHARED, 'baselines'), maxBuffer: 256 * MB });
    return { posts: JSON.parse(stdout) as string[], sample: "scikit-learn's test order, the posts the Python handler is timed on" };
  }
  try {
    const { loadNewsgroups } = await import('@org/classifier-trainer');
    const data = await loadNewsgroups();
    const texts = [...data.test.texts];
    let seed = 42;
    for (let i = texts.length - 1; i > 0; i--) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const j = seed % (i + 1);
      [texts[i], texts[j]] = [texts[j] as string, texts[i] as string];
    }
    return { posts: texts, sample: 'the test split in a fixed-seed shuffle (no Python: not the baseline\'s sample)' };
  } catch (error) {
    throw new Error(`cannot load the test split through @org/classifier-trainer's loadNewsgroups: ${(error as Error).message}`);
  }
}

interface PythonResult {
  init_ms: number;
  p50_ms: number;
  p99_ms: number;
  batch64_ms: number;
  n: number;
}

async function pythonBaseline(python: string, single: string): Promise<PythonResult> {
  const baselines = join(SHARED, 'baselines');
  const seedDir = join(tmpdir(), 'classifier-baseline-seed');
  if (!existsSync(join(seedDir, 'model.pickle'))) {
    process.stderr.write(`training the article's seed model (train_seed.py) into ${seedDir} ...\n`);
    await run(python, ['train_seed.py', seedDir], { cwd: baselines, maxBuffer: 64 * MB });
  }
  const { stdout } = await run(python, ['handler_bench.py', seedDir, single], { cwd: baselines, maxBuffer: 64 * MB });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
}

/**
 * Where a request's time goes on the term-count path, in this process on the source modules: the
 * featurizer (tokenise and count, then weight and sum per post when the graph takes per-post sums)
 * and the onnxruntime run of the graph from there, for one post and for batches of 64.
 */
async function breakdown(modelUri: string, posts: readonly string[]): Promise<{ text: string; batch?: { parse: number; read: number; featurize: number; run: number } }> {
  const { loadModel } = await import('../src/model/loadModel.js');
  const { pathBodyFeeds, pathFeeds, pathFetches } = await import('../src/featurize/termCountPath.js');
  const model = await loadModel({ modelUri });
  const path = model.termCounts;
  if (!path) {
    await model.release();
    return { text: `term-count path not used: ${model.frontEndUnsupported ?? 'the manifest declares no frontEnd'}` };
  }
  const fetches = pathFetches(path, model.manifest.io);
  const measure = async (batch: readonly string[], into: { featurize: number[]; run: number[] }) => {
    let t = performance.now();
    // Tokenise and count, then emit the term counts or (when the graph declares them) weight and sum
    // each post's terms: whatever the session takes.
    const fed = await pathFeeds(path, batch);
    if (!fed) throw new Error('a test post uses characters from more blocks than one batch may ask about');
    into.featurize.push(performance.now() - t);
    t = performance.now();
    await model.session.run(fed.feeds, fetches);
    into.run.push(performance.now() - t);
  };
  const single = { featurize: [] as number[], run: [] as number[] };
  const batch = { featurize: [] as number[], run: [] as number[], parse: [] as number[], read: [] as number[], bodyFeaturize: [] as number[] };
  const limits = { maxTexts: 256, maxUnits: 1_000_000 };
  let skipped = 0;
  for (let i = 0; i < 500; i++) {
    await measure([posts[posts.length - 1 - i] as string], { featurize: [], run: [] });
    // The reader too, as the handler's warm-up requests warm it.
    pathBodyFeeds(path, JSON.stringify([posts[i] as string]), limits);
  }
  for (let i = 0; i < Math.min(posts.length, 2000); i++) await measure([posts[i] as string], single);
  for (let i = 0; i + 64 <= Math.min(posts.length, 64 * 40); i += 64) {
    const texts = posts.slice(i, i + 64);
    // The handler reads a body where the featurizer scans it (Predictor.predictBody); JSON.parse is
    // what it pays for a body it cannot read, and what it paid for every body before. Every other
    // batch each way: a second featurize of the same posts would find them in cache.
    const body = JSON.stringify(texts);
    if ((i / 64) % 2 === 0) {
      const t = performance.now();
      JSON.parse(body);
      batch.parse.push(performance.now() - t);
      await measure(texts, batch);
      continue;
    }
    // The read alone (a request turned down once read), then read and featurize, as the handler does.
    let t = performance.now();
    path.featurizer.featurizeBody(body, limits, path.sumsTensor ? 'sums' : 'keys', () => false);
    const read = performance.now() - t;
    t = performance.now();
    const fed = pathBodyFeeds(path, body, limits);
    const both = performance.now() - t;
    if (!fed) {
      skipped++;
      continue;
    }
    batch.read.push(read);
    batch.bodyFeaturize.push(both - read);
    t = performance.now();
    await model.session.run(fed.feeds, fetches);
    batch.run.push(performance.now() - t);
  }
  await model.release();
  const q = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] as number;
  const medians = { parse: q(batch.parse, 0.5), read: q(batch.read, 0.5), featurize: q(batch.bodyFeaturize, 0.5), run: q(batch.run, 0.5) };
  return {
    text: [
      `  one post: featurize p50 ${f(q(single.featurize, 0.5))} / p99 ${f(q(single.featurize, 0.99))} ms, graph run p50 ${f(q(single.run, 0.5))} / p99 ${f(q(single.run, 0.99))} ms`,
      `  batch of 64: body read median ${f(medians.read, 3)} ms (JSON.parse of such a body ${f(medians.parse, 3)} ms), featurize median ${f(medians.featurize, 2)} ms (from strings ${f(q(batch.featurize, 0.5), 2)} ms), graph run median ${f(medians.run, 2)} ms`,
      `  (every other batch each way; ${skipped} of ${skipped + batch.read.length} bodies not read: they hold a text the kernel leaves to JavaScript)`,
    ].join('\n'),
    batch: medians,
  };
}

/** Per-request cost of the access log line + EMF documents, written synchronously to /dev/null (as stdout to a pipe is). */
function observabilityCostUs(): number {
  const fd = openSync('/dev/null', 'w');
  const write = (line: string) => {
    writeSync(fd, line);
  };
  const log = new RequestLog({ service: 'classifier-bench', level: 'INFO', write });
  const emf = new EmfMetrics({ namespace: 'Bench', service: 'classifier-bench', write });
  const labels = ['alt.atheism', 'sci.space', 'rec.autos'];
  const once = (i: number) => {
    emf.record({ latencyMs: 0.1 + i / 1e6, batchSize: 1, labels: [labels[i % 3] as string], meanTopProbability: 0.8 });
    log.log({ requestId: `req-${i}`, modelVersion: '11b91775c724', status: 200, batchSize: 1, durationMs: 0.15, coldStart: false });
  };
  for (let i = 0; i < 5000; i++) once(i);
  const n = 50_000;
  const t = performance.now();
  for (let i = 0; i < n; i++) once(i);
  const us = ((performance.now() - t) / n) * 1000;
  closeSync(fd);
  return us;
}

async function main(): Promise<void> {
  const artifactDir = process.env.CLASSIFIER_ARTIFACT_DIR ?? DEFAULT_ARTIFACT_DIR;
  const modelUri = join(artifactDir, 'model.onnx');
  if (!existsSync(modelUri)) throw new Error(`no trained artifact at ${artifactDir}: run \`npm run train\` first`);
  const quick = process.env.BENCH_QUICK === '1';
  const single = process.env.BENCH_SINGLE ?? (quick ? '500' : '2000');

  const built = await bundle();
  const python = await sklearnPython();
  const { posts, sample } = await testPosts(typeof python === 'string' ? python : undefined);
  const work = join(tmpdir(), `classifier-bench-${process.pid}`);
  await mkdir(work, { recursive: true });
  const postsFile = join(work, 'posts.json');
  await writeFile(postsFile, JSON.stringify(posts));
  // The test split holds a post of 160,616 characters (over the 100,000 default): the Python handler
  // has no limit, so the limits are raised here to serve exactly the same posts.
  const base = {
    MODEL_URI: modelUri,
    POWERTOOLS_SERVICE_NAME: 'classifier-bench',
    POWERTOOLS_METRICS_NAMESPACE: 'Bench',
    MAX_TEXT_CHARS: '1000000',
    MAX_BODY_BYTES: '10485760',
  };

  const inits: ProbeResult[] = [];
  for (let i = 0; i < (quick ? 3 : 11); i++) inits.push(await probe(built.dir, postsFile, 'init', base));
  const initMs = median(inits.map((r) => r.initMs));
  const processMs = median(inits.map((r) => r.processMs ?? 0));
  const rssInit = median(inits.map((r) => r.rssInit)) / MB;

  const main = await probe(built.dir, postsFile, 'latency', { ...base, BENCH_SINGLE: single, ...(quick ? { BENCH_SUSTAINED: '2000' } : {}) });
  const quiet = await probe(built.dir, postsFile, 'latency', { ...base, POWERTOOLS_LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true', BENCH_SUSTAINED: '0', BENCH_SINGLE: single });
  const threads2 = await probe(built.dir, postsFile, 'latency', { ...base, ORT_INTRA_OP_THREADS: '2', BENCH_SUSTAINED: '0', BENCH_SINGLE: single });
  const arena = await probe(built.dir, postsFile, 'latency', { ...base, ORT_CPU_MEM_ARENA: 'true', BENCH_SUSTAINED: quick ? '1000' : '10000', BENCH_SINGLE: single });

  const phases = await breakdown(modelUri, posts);
  // Ours and the baseline alternate, round by round, on the same posts: this machine's speed drifts by
  // 20-50% within minutes, so one pair of runs can say 5x or 9x for the same code. The figure is the
  // median of the per-round ratios, printed with every round's.
  const rounds: { ours: ProbeResult; py: PythonResult }[] = [];
  if (typeof python === 'string') {
    for (let r = 0; r < Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 5)); r++) {
      const ours = await probe(built.dir, postsFile, 'latency', { ...base, BENCH_SUSTAINED: '0', BENCH_SINGLE: single });
      rounds.push({ ours, py: await pythonBaseline(python, single) });
    }
  }
  const ratio = (pick: (py: PythonResult, ours: ProbeResult) => number) => {
    const each = rounds.map(({ py, ours }) => pick(py, ours));
    return `${f(median(each), 1)}x (${each.map((x) => f(x, 1)).join(' / ')})`;
  };

  const lines = [
    `model: ${artifactDir}`,
    `posts: ${sample}`,
    `zip: ${(built.zipBytes / MB).toFixed(1)} MB (${built.files.length} files; limit 50 MB)`,
    `init (fresh process, import of the bundle: model read + sha256 + session + warm-up): median ${f(initMs, 1)} ms over ${inits.length} (whole process incl. Node boot ${f(processMs, 1)} ms); target < 150 ms`,
    `handler, one text per request over ${main.n} test posts: p50 ${f(main.p50)} ms, p99 ${f(main.p99)} ms`,
    `handler, batch of 64: median ${f(main.batch64, 2)} ms`,
    `handler, rich form (topK 3, explain 10): p50 ${f(main.richP50)} ms, p99 ${f(main.richP99)} ms`,
    `RSS: after init ${f(main.rssInit / MB, 1)} MB (fresh-process median ${f(rssInit, 1)} MB), after ${main.sustained} requests ${f((main.rssAfter ?? 0) / MB, 1)} MB; target < 200 MB (the bench's own copy of the ${posts.length} test posts accounts for ${f(((main.rssPosts ?? main.rssInit) - main.rssInit) / MB, 1)} MB of it)`,
    `sustained: ${f(main.sustainedRps, 0)} requests/s in-process`,
    `largest request (256 texts, ${f((main.largestBytes ?? 0) / MB, 2)} MB body): ${f(main.largestMs, 1)} ms; peak RSS (VmHWM) ${f((main.hwmBefore ?? 0) / MB, 1)} MB before it, ${f((main.hwmAfter ?? 0) / MB, 1)} MB after (a 256 MB function must stay below)`,
    `where the time goes (term-count path, in-process on the source modules):\n${phases.text}`,
    `cost of the request log line + EMF per request: ${f(observabilityCostUs(), 2)} us measured directly; whole handler with logs and metrics off (another process, so noisy): p50 ${f(quiet.p50)} ms, p99 ${f(quiet.p99)} ms`,
    `session options: 2 intra-op threads p50 ${f(threads2.p50)} / p99 ${f(threads2.p99)} ms / batch64 ${f(threads2.batch64, 2)} ms; CPU arena on p50 ${f(arena.p50)} / p99 ${f(arena.p99)} ms, RSS after ${arena.sustained} requests ${f((arena.rssAfter ?? 0) / MB, 1)} MB`,
  ];
  if (rounds.length > 0) {
    const pyMedian = (pick: (py: PythonResult) => number) => median(rounds.map(({ py }) => pick(py)));
    lines.push(
      `python (article handler), ${rounds.length} round(s) alternating with ours on the same posts, medians: init ${f(pyMedian((p) => p.init_ms), 0)} ms, p50 ${f(pyMedian((p) => p.p50_ms))} ms, p99 ${f(pyMedian((p) => p.p99_ms))} ms, batch64 ${f(pyMedian((p) => p.batch64_ms), 2)} ms`,
      `ours in those rounds: p50 ${rounds.map(({ ours }) => f(ours.p50)).join(' / ')} ms, p99 ${rounds.map(({ ours }) => f(ours.p99)).join(' / ')} ms, batch64 ${rounds.map(({ ours }) => f(ours.batch64, 2)).join(' / ')} ms`,
      `ratios python/ours, median (each round) (target >= 10): p50 ${ratio((p, o) => p.p50_ms / (o.p50 ?? Number.NaN))}, p99 ${ratio((p, o) => p.p99_ms / (o.p99 ?? Number.NaN))}, batch64 ${ratio((p, o) => p.batch64_ms / (o.batch64 ?? Number.NaN))}, init ${ratio((p) => p.init_ms / initMs)}`,
    );
    if (phases.batch) {
      // How far the featurizer alone can move the batch ratio. The breakdown runs at another moment
      // than the rounds (this machine drifts), so its figures are used as shares, within one process.
      const { read, featurize, run } = phases.batch;
      const share = featurize / (read + featurize + run);
      const ours = median(rounds.map(({ ours }) => ours.batch64 ?? Number.NaN));
      const without = ours * (1 - share);
      lines.push(
        `batch of 64: the featurizer is ${f(100 * share, 0)}% of body read + featurize + graph run (breakdown above); were it free, the rounds' ${f(ours, 2)} ms would be ${f(without, 2)} ms: ${f(pyMedian((p) => p.batch64_ms) / without, 1)}x`,
      );
    }
  } else {
    lines.push(`python baseline ${(python as { skipped: string }).skipped}; ratios against the SPEC's figures: p50 ${f(PY_REFERENCE.p50 / (main.p50 ?? Number.NaN), 1)}x, p99 ${f(PY_REFERENCE.p99 / (main.p99 ?? Number.NaN), 1)}x, batch64 ${f(PY_REFERENCE.batch64 / (main.batch64 ?? Number.NaN), 1)}x`);
  }
  console.log(lines.join('\n'));
  await writeFile(join(work, 'result.json'), JSON.stringify({ zipBytes: built.zipBytes, initMs, processMs, main, quiet, threads2, arena, rounds }, null, 2));
  console.log(`raw figures: ${join(work, 'result.json')}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
