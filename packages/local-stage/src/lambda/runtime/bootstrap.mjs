// The child-process side of one Lambda execution environment.
//
// Plain ESM JavaScript on purpose: Lambda runs the deployed bundle on a bare Node.js runtime, so
// this side loads no TypeScript loader (which would also add to every cold start). The parent
// (../executionEnvironment.ts) forks it with an explicit environment built like Lambda's, and talks
// to it over the IPC channel: one `invoke` message in, one `done` message out, nothing else per
// request (the event is serialised once on the way in, the result once on the way out).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const env = process.env;
const taskRoot = env.LAMBDA_TASK_ROOT ?? process.cwd();
const handlerSpec = env._HANDLER ?? 'index.handler';
const memoryMb = env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128';
// nodejs24.x and later run a rewritten runtime: it awaits whatever the handler returns and refuses
// callback handlers. Up to nodejs22.x the callback-era runtime ends an invocation only through the
// callback, context.succeed/fail/done or a returned promise (aws-lambda-nodejs-runtime-interface-client,
// Runtime.js and CallbackContext.js).
const runtimeMajor = Number(/^AWS_Lambda_nodejs(\d+)/.exec(env.AWS_EXECUTION_ENV ?? '')?.[1] ?? 0);
const awaitsReturnValue = runtimeMajor >= 24;

/** @type {string | undefined} */
let currentRequestId;

// Lambda's Node.js runtime prefixes every console line with time, request id and level.
// https://docs.aws.amazon.com/lambda/latest/dg/nodejs-logging.html
const write = (stream, level) => (...args) => {
  stream.write(`${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${format(...args)}\n`);
};
console.log = write(process.stdout, 'INFO');
console.info = write(process.stdout, 'INFO');
console.debug = write(process.stdout, 'DEBUG');
console.trace = write(process.stdout, 'TRACE');
console.warn = write(process.stdout, 'WARN');
console.error = write(process.stdout, 'ERROR');

function toError(err, fallbackType) {
  if (err instanceof Error) {
    return {
      errorType: err.name && err.name !== 'Error' ? err.name : (fallbackType ?? 'Error'),
      errorMessage: err.message,
      trace: (err.stack ?? '').split('\n'),
    };
  }
  return { errorType: fallbackType ?? typeof err, errorMessage: format(err), trace: [] };
}

function send(message, then) {
  if (!process.connected) return;
  process.send(message, undefined, undefined, then);
}

/** @type {Function | undefined} */
let handler;
let handlerIsAsync = false;
let pending; // id of the invocation in progress

// Lambda's runtime acts when the function's event loop runs empty ('beforeExit'): it sends a result
// the callback left waiting, or ends an invocation nothing completed. Here the IPC channel would keep
// the loop alive for ever, so it is unref'd while such a wait is armed and ref'd again after.
/** @type {(() => void) | undefined} */
let onEmptyEventLoop;
function whenEventLoopEmpty(run) {
  onEmptyEventLoop = run;
  process.channel?.unref();
}
function disarmEventLoopWait() {
  onEmptyEventLoop = undefined;
  process.channel?.ref();
}
process.on('beforeExit', () => {
  const run = onEmptyEventLoop;
  if (!run) return;
  disarmEventLoopWait();
  run();
});

async function init() {
  // "file.export" or "dir/file.export" (the export may be nested: "file.ns.fn").
  const dot = handlerSpec.indexOf('.', handlerSpec.lastIndexOf('/') + 1);
  const modulePath = handlerSpec.slice(0, dot);
  const exportPath = handlerSpec.slice(dot + 1).split('.');
  const base = join(taskRoot, modulePath);
  const file = ['.mjs', '.js', '.cjs'].map((ext) => base + ext).find((f) => existsSync(f));
  if (!file) {
    const e = new Error(`Cannot find module '${modulePath}'`);
    e.name = 'Runtime.ImportModuleError';
    throw e;
  }
  let mod = await import(pathToFileURL(file).href);
  for (const key of exportPath) mod = mod?.[key];
  if (typeof mod !== 'function') {
    const e = new Error(`${handlerSpec} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  if (awaitsReturnValue && mod.length >= 3) {
    const e = new Error(
      'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. ' +
        'You need to modify this function to use a supported handler signature to use Node.js 24 or later.',
    );
    e.name = 'Runtime.CallbackHandlerDeprecated';
    throw e;
  }
  handler = mod;
  handlerIsAsync = mod.constructor?.name === 'AsyncFunction';
}

function context(message, completion) {
  const deadline = message.deadline;
  let waitsForEmptyEventLoop = true;
  return {
    awsRequestId: message.requestId,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: message.invokedArn,
    // A string, as in AWS (serverless-offline's LambdaContext notes the same).
    memoryLimitInMB: memoryMb,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyEventLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyEventLoop = value;
    },
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    ...completion,
  };
}

function finish(id, error, result) {
  if (pending !== id) return;
  pending = undefined;
  disarmEventLoopWait();
  const rss = process.memoryUsage.rss();
  if (error !== undefined) {
    const err = toError(error);
    process.stdout.write(
      `${new Date().toISOString()}\t${currentRequestId}\tERROR\tInvoke Error \t${JSON.stringify(err)}\n`,
    );
    send({ t: 'done', id, ok: false, error: err, rss });
    return;
  }
  try {
    send({ t: 'done', id, ok: true, result, rss });
  } catch (e) {
    // Lambda fails the invocation when the result cannot be serialised.
    send({ t: 'done', id, ok: false, error: toError(e, 'Runtime.MarshalError'), rss });
  }
}

function invoke(message) {
  const { id } = message;
  pending = id;
  currentRequestId = message.requestId;
  env._X_AMZN_TRACE_ID = message.traceId;

  // Only the first of the callback, succeed/fail/done and the returned promise counts.
  let completed = false;
  const once = (fn) => (...args) => {
    if (completed) return;
    completed = true;
    fn(...args);
  };
  const done = once((err, res) => (err !== undefined && err !== null ? finish(id, err, undefined) : finish(id, undefined, res)));
  const succeed = (res) => done(null, res);
  const fail = (err) => done(err ?? 'handled', null);
  const ctx = context(message, { succeed, fail, done });
  // The callback's result waits for the event loop to run empty unless the function says otherwise;
  // an error goes at once.
  const callback = once((err, res) => {
    if (err !== undefined && err !== null) finish(id, err, undefined);
    else if (!ctx.callbackWaitsForEmptyEventLoop) finish(id, undefined, res);
    else whenEventLoopEmpty(() => finish(id, undefined, res));
  });

  if (awaitsReturnValue) {
    (async () => handler(message.event, ctx))().then(succeed, fail);
    return;
  }
  // Nothing completed the invocation when the loop runs empty: an async handler's promise never
  // settled (Runtime.NodeJsExit), or a plain function ended without the callback: its result is
  // null, whatever it returned (a non-promise return value is ignored; API Gateway then answers 502).
  whenEventLoopEmpty(() => {
    if (completed) return;
    completed = true;
    if (handlerIsAsync) {
      const e = new Error('Node.js event loop is empty, but the handler\'s promise has not settled');
      e.name = 'Runtime.NodeJsExit';
      finish(id, e, undefined);
    } else {
      finish(id, undefined, null);
    }
  });
  try {
    const out = handler(message.event, ctx, callback);
    if (out && typeof out.then === 'function') out.then(succeed, fail);
  } catch (err) {
    callback(err);
  }
}

// An uncaught error fails the invocation in progress and ends the environment, as in Lambda
// (Runtime.ExitError / Runtime.UnhandledPromiseRejection); the parent replaces it.
function fatal(err, type) {
  disarmEventLoopWait();
  const error = toError(err, type);
  process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\tERROR\t${error.errorType}: ${error.errorMessage}\n`);
  const id = pending;
  pending = undefined;
  if (id !== undefined) send({ t: 'done', id, ok: false, error, rss: process.memoryUsage.rss(), exiting: true }, () => process.exit(129));
  else process.exit(129);
}
process.on('uncaughtException', (err) => fatal(err, 'Runtime.UncaughtException'));
process.on('unhandledRejection', (err) => fatal(err, 'Runtime.UnhandledPromiseRejection'));
process.on('disconnect', () => process.exit(0));

process.on('message', (message) => {
  if (message.t === 'invoke') invoke(message);
});

try {
  await init();
  // performance.now() counts from process start: node boot + the module's top level, which is
  // what Lambda reports as Init Duration.
  send({ t: 'ready', initMs: performance.now() });
} catch (err) {
  const error = toError(err, 'Runtime.ImportModuleError');
  process.stdout.write(`${new Date().toISOString()}\tundefined\tERROR\tInit Error\t${JSON.stringify(error)}\n`);
  send({ t: 'initError', error, initMs: performance.now() }, () => process.exit(1));
}
