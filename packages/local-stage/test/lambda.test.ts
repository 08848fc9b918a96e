import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pathToFileURL } from 'node:url';
import { type LocalStage, startLocalStage } from '../src/index.js';
import { hostNodeWarning } from '../src/lambda/hostNode.js';
import { BEHAVIOUR_HANDLER, type Fixture, writeStackFixture } from './helpers/stackFixture.js';

const ECHO = [{ path: '/echo', method: 'ANY' }];
type Body = { pid: number; count: number; env: Record<string, string>; context: Record<string, unknown>; tz: string };

/** The Lambda request id of the invocation behind API Gateway's `gatewayId`, from the stage's line for the request. */
const lambdaIdOf = (lines: readonly string[], gatewayId: string | null): string | undefined =>
  lines.map((l) => new RegExp(`^${gatewayId} .*\\(Lambda RequestId ([0-9a-f-]{36}),`).exec(l)?.[1]).find(Boolean);

describe('execution environments (reserved concurrency 2, timeout 1 s, 128 MB)', () => {
  let stage: LocalStage;
  let fixture: Fixture;
  const lines: string[] = [];
  beforeAll(async () => {
    fixture = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, reserved: 2, timeout: 1, memorySize: 128, env: { GREETING: 'hi' } });
    stage = await startLocalStage({ stack: fixture.stackName, synthDir: fixture.synthDir, log: (l) => lines.push(l) });
  });
  afterAll(() => stage?.close());
  const get = (q = '') => fetch(`${stage.url}/echo${q}`);

  it('reuses a warm environment and logs REPORT lines with Init Duration only on the cold start', async () => {
    const a = (await (await get()).json()) as Body;
    const b = (await (await get()).json()) as Body;
    expect(b.pid).toBe(a.pid);
    expect(b.count).toBe(a.count + 1);
    const reports = lines.filter((l) => l.startsWith('REPORT RequestId: '));
    expect(reports.length).toBeGreaterThanOrEqual(2);
    expect(reports[0]).toMatch(/^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d{2} ms\tBilled Duration: \d+ ms\tMemory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d{2} ms$/);
    expect(reports[1]).not.toContain('Init Duration');
    expect(lines.some((l) => l.startsWith('START RequestId: ') && l.endsWith('Version: 1'))).toBe(true);
  });

  it('runs with Lambda environment variables and context, and the model object mapped to a file', async () => {
    const body = (await (await get()).json()) as Body;
    expect(body.env).toMatchObject({
      GREETING: 'hi',
      MAX_TEXTS: '256',
      MODEL_URI: pathToFileURL(fixture.modelPath).href,
      AWS_LAMBDA_FUNCTION_NAME: 'classifier-fixture-fn',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '128',
      AWS_LAMBDA_FUNCTION_VERSION: '1',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/classifier-fixture-fn',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      _HANDLER: 'index.handler',
      TZ: ':UTC',
    });
    expect(body.env.MANIFEST_URI).toMatch(/^file:\/\/.*manifest\.json$/);
    expect(body.env.HOME).toBeUndefined(); // an explicit environment, not the parent's
    expect(body.env.VITEST).toBeUndefined();
    expect(body.tz).toContain('GMT+0000');
    expect(body.context).toMatchObject({
      functionName: 'classifier-fixture-fn',
      functionVersion: '1',
      invokedFunctionArn: 'arn:aws:lambda:eu-west-1:000000000000:function:classifier-fixture-fn:live',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/classifier-fixture-fn',
    });
    expect(body.context.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[1\][0-9a-f]{32}$/);
    expect(body.context.remaining as number).toBeGreaterThan(500);
    expect(body.context.remaining as number).toBeLessThanOrEqual(1000);
  });

  it('prefixes function output like the Lambda Node.js runtime, with the invocation\'s request id', async () => {
    const res = await get('?do=log');
    const id = ((await res.json()) as Body).context.awsRequestId;
    expect(lines.some((l) => /^\d{4}-\d{2}-\d{2}T.*Z\t/.test(l) && l.includes(`\t${id}\tINFO\thello from the handler { n: 1 }`))).toBe(true);
  });

  it('cold-starts up to the reserved concurrency, then Lambda throttles and API Gateway answers 500', async () => {
    const slow = [get('?do=sleep&ms=600'), get('?do=sleep&ms=600')];
    await new Promise((r) => setTimeout(r, 200));
    const third = await get();
    expect(third.status).toBe(500);
    expect(await third.json()).toEqual({ message: 'Internal server error' });
    const bodies = (await Promise.all((await Promise.all(slow)).map((r) => r.json()))) as Body[];
    expect(new Set(bodies.map((b) => b.pid)).size).toBe(2);
  });

  it('stops an environment at the function timeout (502) and replaces it', async () => {
    const before = (await (await get()).json()) as Body;
    const res = await get('?do=sleep&ms=3000');
    expect(res.status).toBe(502);
    expect(await res.json()).toEqual({ message: 'Internal server error' });
    const lambdaId = lambdaIdOf(lines, res.headers.get('x-amzn-requestid'));
    expect(lambdaId).toBeDefined();
    expect(lines.some((l) => l.includes(`${lambdaId} Task timed out after 1.00 seconds`))).toBe(true);
    expect(lines.some((l) => l.startsWith('REPORT') && l.endsWith('Status: timeout'))).toBe(true);
    const pids = new Set<number>();
    for (let i = 0; i < 3; i++) pids.add(((await (await get()).json()) as Body).pid);
    expect(pids.size).toBeGreaterThan(0);
    expect((await get()).status).toBe(200);
    void before;
  });

  it.each([
    ['process.exit', '?do=exit'],
    ['an uncaught exception', '?do=async-throw'],
  ])('answers 502 when the environment crashes (%s) and replaces it', async (_name, q) => {
    const res = await get(q);
    expect(res.status).toBe(502);
    expect((await get()).status).toBe(200);
  });

  it('enforces the memory size (RSS over 128 MB) with 502, and replaces the environment', async () => {
    const res = await get('?do=alloc&mb=200');
    expect(res.status).toBe(502);
    expect(lines.some((l) => l.startsWith('REPORT') && l.includes('Max Memory Used: 128 MB'))).toBe(true);
    expect((await get()).status).toBe(200);
  });

  it('enforces the memory size on the V8 heap too', async () => {
    const res = await get('?do=heap');
    expect(res.status).toBe(502);
    expect((await get()).status).toBe(200);
  });
});

describe('a reserved concurrency above what this machine runs at once', () => {
  it('queues requests past the local cap instead of throttling them, and throttles past the reservation', async () => {
    const fixture = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, reserved: 3, timeout: 5 });
    const stage = await startLocalStage({ stack: fixture.stackName, synthDir: fixture.synthDir, maxEnvironments: 1 });
    try {
      const get = (q: string) => fetch(`${stage.url}/echo${q}`);
      // One environment: the second and third requests wait for it (3 in flight, the reservation).
      const first = get('?do=sleep&ms=700');
      await new Promise((r) => setTimeout(r, 200));
      const queued = [get('?do=sleep&ms=10'), get('?do=sleep&ms=10')];
      await new Promise((r) => setTimeout(r, 100));
      // A fourth at once is past the reservation: Lambda throttles, API Gateway answers 500.
      expect((await get('')).status).toBe(500);
      const bodies = (await Promise.all([first, ...queued].map(async (r) => (await r).json()))) as Body[];
      expect(new Set(bodies.map((b) => b.pid)).size).toBe(1);
    } finally {
      await stage.close();
    }
  });
});

describe('requests queued for an environment', () => {
  // One environment, no reservation: a second request waits for it (the local cap, not Lambda's).
  const startsFor = (lines: string[]) => lines.filter((l) => l.startsWith('START RequestId: ')).length;

  it('leave the queue, never to run, when the client goes away', async () => {
    const lines: string[] = [];
    const f = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, timeout: 10 });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, maxEnvironments: 1, log: (l) => lines.push(l) });
    try {
      const first = fetch(`${stage.url}/echo?do=sleep&ms=800`);
      await new Promise((r) => setTimeout(r, 300));
      const gone = new AbortController();
      const queued = fetch(`${stage.url}/echo?do=sleep&ms=10`, { signal: gone.signal }).catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 100));
      gone.abort();
      expect(await queued).toBeInstanceOf(Error);
      const a = (await (await first).json()) as Body;
      const b = (await (await fetch(`${stage.url}/echo`)).json()) as Body;
      // The environment's next invocation is the follow-up: the withdrawn one never ran.
      expect(b.pid).toBe(a.pid);
      expect(b.count).toBe(a.count + 1);
      expect(startsFor(lines)).toBe(2);
      expect(lines.some((l) => l.endsWith('the client went away while the invocation waited for an environment: not invoked'))).toBe(true);
    } finally {
      await stage.close();
    }
  });

  it('leave the queue when the integration times out (504), while the running function finishes', async () => {
    const lines: string[] = [];
    const f = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, timeout: 10, integrationTimeoutMs: 1500 });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, maxEnvironments: 1, log: (l) => lines.push(l) });
    try {
      const first = fetch(`${stage.url}/echo?do=sleep&ms=2500`);
      await new Promise((r) => setTimeout(r, 300));
      const queued = await fetch(`${stage.url}/echo?do=sleep&ms=10`);
      expect(queued.status).toBe(504);
      expect((await first).status).toBe(504);
      // After the first function returns, the environment serves the next request, not the withdrawn one.
      const next = (await (await fetch(`${stage.url}/echo`)).json()) as Body;
      expect(next.count).toBe(2);
      expect(startsFor(lines)).toBe(2);
    } finally {
      await stage.close();
    }
  });
});

describe('integration timeout', () => {
  it('answers 504 when the integration times out, while the function runs on', async () => {
    // The follow-up request cold-starts a second environment (the first is still sleeping); the
    // integration timeout leaves room for that start on a loaded 2-core CI machine.
    const f = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, timeout: 10, integrationTimeoutMs: 2000 });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir });
    try {
      const res = await fetch(`${stage.url}/echo?do=sleep&ms=4000`);
      expect(res.status).toBe(504);
      expect(await res.json()).toEqual({ message: 'Endpoint request timed out' });
      expect((await fetch(`${stage.url}/echo`)).status).toBe(200);
    } finally {
      await stage.close();
    }
  });
});

describe('init failures', () => {
  it.each([
    ['a throwing module', 'throw new Error("no model");\nexport const handler = async () => ({ statusCode: 200 });'],
    ['a missing export', 'export const other = async () => ({ statusCode: 200 });'],
    ['a syntax error', 'export const handler = async () => {'],
  ])('answers 502 for %s, on every request, without crashing the stage', async (_name, source) => {
    const lines: string[] = [];
    const f = writeStackFixture({ handlerSource: source, routes: ECHO });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, log: (l) => lines.push(l) });
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${stage.url}/echo`);
        expect(res.status).toBe(502);
        expect(await res.json()).toEqual({ message: 'Internal server error' });
      }
      expect(lines.some((l) => l.includes('Init Error'))).toBe(true);
      expect(lines.some((l) => l.startsWith('REPORT') && l.includes('Status: error'))).toBe(true);
    } finally {
      await stage.close();
    }
  });

  it('serves a function package given as a directory', async () => {
    const f = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, asDirectory: true });
    const stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir });
    try {
      expect((await fetch(`${stage.url}/echo`)).status).toBe(200);
    } finally {
      await stage.close();
    }
  });
});

// What ends an invocation, as in the Lambda Node.js runtime up to nodejs22.x (the callback-era
// runtime): the callback, context.succeed/fail/done or a returned promise; a plain return value is ignored.
const COMPLETION_HANDLER = String.raw`
export const handler = (event, context, ...rest) => {
  const q = event.queryStringParameters ?? {};
  const callback = rest[0];
  const ok = (body) => ({ statusCode: 200, body });
  switch (q.do) {
    case 'return': return ok('returned');
    case 'callback-waits': setTimeout(() => console.log('timer ran'), Number(q.ms)); callback(null, ok('callback')); return;
    case 'callback-now': context.callbackWaitsForEmptyEventLoop = false; setTimeout(() => undefined, Number(q.ms)); callback(null, ok('callback')); return;
    case 'callback-error': setTimeout(() => undefined, Number(q.ms)); callback(new Error('refused')); return;
    case 'succeed': context.succeed(ok('succeeded')); return;
    default: return Promise.resolve(ok('promise'));
  }
};
export const asyncNeverSettles = async () => new Promise(() => undefined);
`;

describe('handler completion (nodejs22.x runtime)', () => {
  let stage: LocalStage;
  const lines: string[] = [];
  beforeAll(async () => {
    const f = writeStackFixture({ handlerSource: COMPLETION_HANDLER, routes: ECHO, timeout: 10 });
    stage = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, log: (l) => lines.push(l) });
    await fetch(`${stage.url}/echo`); // the cold start, out of the timed cases
  });
  afterAll(() => stage?.close());
  const timed = async (q: string) => {
    const started = performance.now();
    const res = await fetch(`${stage.url}/echo${q}`);
    return { status: res.status, text: await res.text(), ms: performance.now() - started };
  };

  it('ignores a value a plain function returns: the result is null, and API Gateway answers 502', async () => {
    const res = await timed('?do=return');
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toEqual({ message: 'Internal server error' });
    expect((await timed('')).text).toBe('promise'); // a promise's value does count
  });

  it('sends the callback\'s result once the event loop is empty, unless callbackWaitsForEmptyEventLoop is false', async () => {
    const waits = await timed('?do=callback-waits&ms=1500');
    expect(waits).toMatchObject({ status: 200, text: 'callback' });
    expect(waits.ms).toBeGreaterThanOrEqual(1450);
    expect(lines.some((l) => l.endsWith('\tINFO\ttimer ran'))).toBe(true);
    const now = await timed('?do=callback-now&ms=1500');
    expect(now).toMatchObject({ status: 200, text: 'callback' });
    expect(now.ms).toBeLessThan(1000);
    // An error through the callback does not wait.
    const error = await timed('?do=callback-error&ms=1500');
    expect(error.status).toBe(502);
    expect(error.ms).toBeLessThan(1000);
    expect((await timed('?do=succeed')).text).toBe('succeeded');
  });

  it('fails an async handler whose promise never settles once the event loop is empty (Runtime.NodeJsExit), not at the timeout', async () => {
    const f = writeStackFixture({ handlerSource: COMPLETION_HANDLER, routes: ECHO, timeout: 10 });
    const json = f.json as { resource: { aws_lambda_function: { fn: { handler: string } } } };
    json.resource.aws_lambda_function.fn.handler = 'index.asyncNeverSettles';
    const { writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    writeFileSync(join(f.stackDir, 'cdk.tf.json'), JSON.stringify(json));
    const own: string[] = [];
    const s = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir, log: (l) => own.push(l) });
    try {
      const started = performance.now();
      expect((await fetch(`${s.url}/echo`)).status).toBe(502);
      expect(performance.now() - started).toBeLessThan(5000);
      expect(own.some((l) => l.includes('Invoke Error') && l.includes('Runtime.NodeJsExit'))).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('uses a plain return value on nodejs24.x, whose runtime awaits whatever the handler returns', async () => {
    const f = writeStackFixture({ handlerSource: 'export const handler = (event) => ({ statusCode: 200, body: "returned" });', routes: ECHO, runtime: 'nodejs24.x' });
    const s = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir });
    try {
      const res = await fetch(`${s.url}/echo`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('returned');
    } finally {
      await s.close();
    }
  });
});

describe('host Node.js version', () => {
  const hostMajor = Number(process.versions.node.split('.')[0]);

  it('names every function whose runtime is another Node.js major than the host, in one line', () => {
    const warning = hostNodeWarning(
      [
        { functionName: 'a', runtime: 'nodejs22.x' },
        { functionName: 'b', runtime: 'nodejs20.x' },
      ],
      'v20.20.2',
    );
    expect(warning).toBe(
      "warning: functions run on this machine's Node v20.20.2, not their Lambda runtime's major: a (nodejs22.x). " +
        'Code that depends on the Node.js version may behave differently on AWS; use a matching Node to be sure.',
    );
    expect(hostNodeWarning([{ functionName: 'b', runtime: 'nodejs20.x' }], 'v20.1.0')).toBeUndefined();
  });

  it('warns at start, in the summary, when the stack\'s runtime differs from this machine\'s Node, and still serves', async () => {
    const other = `nodejs${hostMajor === 22 ? 20 : 22}.x`;
    const f = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, runtime: other });
    const s = await startLocalStage({ stack: f.stackName, synthDir: f.synthDir });
    try {
      expect(s.warnings).toHaveLength(1);
      expect(s.warnings[0]).toContain(`classifier-fixture-fn (${other})`);
      expect(s.warnings[0]).toContain(`Node ${process.version}`);
      expect(s.summary.split('\n')).toContain(s.warnings[0]);
      expect((await fetch(`${s.url}/echo`)).status).toBe(200);
    } finally {
      await s.close();
    }
    const same = writeStackFixture({ handlerSource: BEHAVIOUR_HANDLER, routes: ECHO, runtime: `nodejs${hostMajor}.x` });
    const quiet = await startLocalStage({ stack: same.stackName, synthDir: same.synthDir });
    try {
      expect(quiet.warnings).toEqual([]);
      expect(quiet.summary).not.toContain('warning');
    } finally {
      await quiet.close();
    }
  });
});

describe('unpacked function code cache', () => {
  it('keeps the most recently used packages and any used within the hour, and removes the rest', async () => {
    const { mkdtemp, mkdir, writeFile, utimes, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { CODE_CACHE_KEEP, pruneCodeCache } = await import('../src/lambda/functionCode.js');
    const dir = await mkdtemp(join(tmpdir(), 'code-cache-'));
    try {
      const now = Date.now();
      const hour = 60 * 60 * 1000;
      // CODE_CACHE_KEEP + 3 packages used 2..(KEEP + 4) hours ago, one used a minute ago, one staging leftover.
      const ages = [...Array.from({ length: CODE_CACHE_KEEP + 3 }, (_, i) => (i + 2) * hour), 60_000];
      for (const [i, age] of ages.entries()) {
        const pkg = join(dir, `pkg${String(i).padStart(2, '0')}`);
        await mkdir(pkg);
        await writeFile(join(pkg, '.complete'), 'x');
        const at = new Date(now - age);
        await utimes(join(pkg, '.complete'), at, at);
      }
      const staging = join(dir, '.abc-123');
      await mkdir(staging);
      await utimes(staging, new Date(now - 3 * hour), new Date(now - 3 * hour));
      await pruneCodeCache(dir, now);
      const left = (await readdir(dir)).sort();
      // The one used a minute ago plus the KEEP - 1 next most recent survive; the oldest and the leftover go.
      expect(left).toEqual([...Array.from({ length: CODE_CACHE_KEEP - 1 }, (_, i) => `pkg${String(i).padStart(2, '0')}`), `pkg${String(ages.length - 1).padStart(2, '0')}`].sort());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
