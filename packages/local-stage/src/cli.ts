import { parseArgs } from 'node:util';
import { startLocalStage } from './startLocalStage.js';

const USAGE =
  'usage: classifier-local-stage --stack <name> [--port N] [--synth-dir DIR] [--unlimited] [--environments N] [--quiet]';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        stack: { type: 'string' },
        port: { type: 'string', default: '0' },
        'synth-dir': { type: 'string' },
        unlimited: { type: 'boolean', default: false },
        environments: { type: 'string' },
        quiet: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (!values.stack) {
    process.stderr.write(`--stack is required\n${USAGE}\n`);
    process.exit(2);
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be 0..65535\n`);
    process.exit(2);
  }
  // NaN would make the environment limit unreachable: every request would queue until the 504.
  const environments = values.environments === undefined ? undefined : Number(values.environments);
  if (environments !== undefined && (!Number.isInteger(environments) || environments < 1)) {
    process.stderr.write(`--environments must be a positive integer\n`);
    process.exit(2);
  }
  const stage = await startLocalStage({
    stack: values.stack,
    port,
    ...(values['synth-dir'] ? { synthDir: values['synth-dir'] } : {}),
    ...(values.unlimited ? { usagePlan: 'unlimited' as const } : {}),
    ...(environments !== undefined ? { environments } : {}),
    ...(values.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) }),
  });
  // Machine-readable lines on stdout (the key is printed here once, and nowhere else); the summary on stderr.
  process.stderr.write(`${stage.summary}\n`);
  process.stdout.write(`STAGE_URL=${stage.url}\nAPI_KEY=${stage.apiKey}\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`local stage: ${signal}, shutting down\n`);
    stage.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`classifier-local-stage: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
