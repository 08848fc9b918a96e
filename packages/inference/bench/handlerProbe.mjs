// Child process of handler.bench.ts: imports the *bundled* handler (what Lambda runs) and measures
// it in-process. stdout (logs, EMF) goes wherever the parent points it; results go over IPC.
// argv: BUNDLE_DIR POSTS_JSON MODE   (MODE: init | latency)
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, postsFile, mode] = process.argv.slice(2);
const t0 = performance.now();
const { handler } = await import(pathToFileURL(join(bundleDir, 'index.mjs')).href);
const initMs = performance.now() - t0;
const rssInit = process.memoryUsage().rss;
if (mode === 'init') {
  // performance.now() counts from process start: Node's own boot is in processMs, not in initMs.
  process.send({ initMs, processMs: performance.now(), rssInit }, () => process.exit(0));
} else {
  const posts = JSON.parse(readFileSync(postsFile, 'utf8'));
  // The posts themselves take memory in this process; reported so it can be told apart from the handler's.
  const rssPosts = process.memoryUsage().rss;
  const single = Number(process.env.BENCH_SINGLE ?? 2000);
  const ctx = { awsRequestId: 'bench' };
  let seq = 0;
  const event = (body) => ({ httpMethod: 'POST', resource: '/predict', path: '/predict', body, isBase64Encoded: false, requestContext: { requestId: `r-${seq++}` } });
  const check = (res) => {
    if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body}`);
  };
  // Warm-up, not counted: an environment serves thousands of requests, and V8 optimises the
  // featurizer's loops only after some hundreds of posts (BENCH_WARMUP, default 500).
  const warmup = Number(process.env.BENCH_WARMUP ?? 500);
  for (let i = 0; i < warmup; i++) check(await handler(event(JSON.stringify([posts[(posts.length - 1 - i) % posts.length]])), ctx));
  const lat = [];
  for (let i = 0; i < single; i++) {
    const body = JSON.stringify([posts[i % posts.length]]);
    const t = performance.now();
    check(await handler(event(body), ctx));
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const batch = [];
  for (let i = 0; i + 64 <= Math.min(posts.length, 64 * 20); i += 64) {
    const body = JSON.stringify(posts.slice(i, i + 64));
    const t = performance.now();
    check(await handler(event(body), ctx));
    batch.push(performance.now() - t);
  }
  batch.sort((a, b) => a - b);
  // Sustained: 10,000 single-text requests over the posts, then resident memory.
  const n = Number(process.env.BENCH_SUSTAINED ?? 10000);
  const ts = performance.now();
  for (let i = 0; i < n; i++) check(await handler(event(JSON.stringify([posts[(i * 7) % posts.length]])), ctx));
  const sustainedMs = performance.now() - ts;
  const rich = [];
  for (let i = 0; i < 500; i++) {
    const body = JSON.stringify({ text: posts[i % posts.length], topK: 3, explain: 10 });
    const t = performance.now();
    check(await handler(event(body), ctx));
    rich.push(performance.now() - t);
  }
  rich.sort((a, b) => a - b);
  // The largest request the default limits allow: 256 texts filling a 1 MB body (4,000 characters of
  // test posts each). Its cost is mostly memory: the peak resident set (VmHWM) before and after it.
  const rssAfter = process.memoryUsage().rss;
  const hwm = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
  const joined = posts.join(' ');
  const largest = Array.from({ length: 256 }, (_, i) => joined.slice(i * 4000, (i + 1) * 4000));
  const hwmBefore = hwm();
  const tl = performance.now();
  check(await handler(event(JSON.stringify(largest)), ctx));
  const largestMs = performance.now() - tl;
  const hwmAfter = hwm();
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor(a.length * p))];
  process.send(
    {
      initMs,
      rssInit,
      rssPosts,
      p50: q(lat, 0.5),
      p99: q(lat, 0.99),
      n: lat.length,
      batch64: q(batch, 0.5),
      richP50: q(rich, 0.5),
      richP99: q(rich, 0.99),
      sustained: n,
      sustainedRps: (n / sustainedMs) * 1000,
      rssAfter,
      largestMs,
      largestBytes: Buffer.byteLength(JSON.stringify(largest)),
      hwmBefore,
      hwmAfter,
    },
    () => process.exit(0),
  );
}
