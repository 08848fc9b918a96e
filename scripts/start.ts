/**
 * The main job on one machine (SPEC journey 1). `npm start` first runs `turbo run synth`, which trains
 * the model unless turbo has the artifact cached, bundles the Lambda and synthesizes the stacks; this
 * script then serves the `classifier-test` stack on the local stage, sends the article's example
 * through the client, prints the label and the stage's coordinates, and serves until interrupted.
 */
import { ClassifierClient } from '@org/classifier-client';
import { startLocalStage } from '@org/classifier-local-stage';

const STACK = process.env.CLASSIFIER_STACK ?? 'classifier-test';
const ARTICLE_EXAMPLE =
  'Did that FAQ ever got modified to re-define strong atheists as not those who assert the nonexistence of God, ' +
  'but as those who assert that they BELIEVE in the nonexistence of God?';

async function main(): Promise<void> {
  const port = process.env.PORT ? Number(process.env.PORT) : 0;
  const stage = await startLocalStage({
    stack: STACK,
    port,
    log: process.env.CLASSIFIER_QUIET ? undefined : (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`${stage.summary}\n`);

  const client = new ClassifierClient({ baseUrl: stage.url, apiKey: stage.apiKey });
  const labels = await client.classify([ARTICLE_EXAMPLE]);
  const model = await client.model();
  process.stdout.write(`model ${model.name} ${model.version}\n`);
  process.stdout.write(`article example -> ${JSON.stringify(labels)}\n`);
  // Machine-readable lines (the local stage's key is generated here and printed only in this output).
  process.stdout.write(`STAGE_URL=${stage.url}\nAPI_KEY=${stage.apiKey}\n`);
  process.stdout.write(
    `try it:\n  curl -s -X POST "${stage.url}/predict" -H "x-api-key: ${stage.apiKey}" ` +
      `-H 'content-type: application/json' -d '["Is there life after death?"]'\n` +
      `serving until Ctrl-C\n`,
  );

  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    stage.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`npm start: ${(err as Error).message}\n`);
  process.exit(1);
});
