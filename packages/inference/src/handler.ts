/**
 * The Lambda entry point (`index.handler` in the bundle). Everything heavy happens once per execution
 * environment, at module scope (init: lambda/init.ts); a failure there fails init.
 *
 * The artifact's bytes are requested first, and only then is the rest of the handler (onnxruntime's
 * native library above all) loaded, with a dynamic import: reading the model from S3 (or disk) and
 * loading the library then overlap instead of following each other. A static import would evaluate
 * onnxruntime before this module's first line.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { DEFAULT_SERVICE_NAME, ENV } from './constants.js';
import { artifactOptions } from './lambda/env.js';
import { fetchArtifact } from './model/fetchArtifact.js';

const initStarted = performance.now();
const artifact = artifactOptions(process.env);
const fetched = artifact ? fetchArtifact(artifact) : undefined;
// A read that fails before init awaits it must not count as an unhandled rejection (which would end
// the process without init's log line); init still awaits this promise and reports the failure.
fetched?.catch(() => undefined);

let initModule: typeof import('./lambda/init.js');
try {
  initModule = await import('./lambda/init.js');
} catch (error) {
  // The rest of the handler did not load (onnxruntime's native library missing, or built for another
  // architecture or C library). The logger is part of what did not load, so the one structured line
  // init failures promise is written here, in the logger's shape.
  logLoadFailure(error);
  throw error;
}
const serve = await initModule.initHandler(process.env, fetched, initStarted, performance.now() - initStarted);

/** API Gateway REST (v1 proxy) handler: POST /predict, GET /model (SPEC section 5). */
export const handler = (event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> => serve(event, context);

function logLoadFailure(error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  const line = {
    level: 'ERROR',
    message: 'init failed: this environment cannot serve',
    timestamp: new Date().toISOString(),
    service: process.env[ENV.serviceName] || DEFAULT_SERVICE_NAME,
    error: { name: e.name, message: e.message, stack: e.stack },
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
