import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStage, loadStage, startLocalStage } from '../src/index.js';
import { ARTICLE_EXAMPLE, REAL, missingRealInputs } from './helpers/realStack.js';

// The real stack, the deployed bundle and the trained model: `npm test` makes them first (turbo
// `test` depends on synth). Missing inputs fail here, naming the command, rather than skipping.
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the real classifier-test stack', () => {
  let stage: LocalStage | undefined;
  beforeAll(async () => {
    const missing = missingRealInputs();
    if (missing.length > 0) throw new Error(`real stack inputs missing: ${missing.join('; ')}`);
    stage = await startLocalStage({ stack: REAL.stack, synthDir: REAL.synthDir });
  }, 60_000);
  afterAll(() => stage?.close());

  it('serves the bundle and model the other packages built (not stale or placeholder copies)', async () => {
    const model = await loadStage(REAL.synthDir, REAL.stack);
    const fn = [...model.functions.values()][0]!;
    expect(sha(fn.code.path), `stack holds another bundle than ${REAL.bundle}: run npm run synth`).toBe(sha(REAL.bundle));
    const modelUri = new URL(fn.environment.MODEL_URI!);
    expect(sha(modelUri.pathname), `stack holds another model than ${REAL.model}: run npm run synth`).toBe(sha(REAL.model));
  });

  it('classifies the article example as alt.atheism, with the article client unchanged', async () => {
    const res = await fetch(`${stage!.url}/predict`, {
      method: 'POST',
      headers: { 'x-api-key': stage!.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify([ARTICLE_EXAMPLE]),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(['alt.atheism']);
  }, 30_000);

  it('answers GET /model and refuses a request without key', async () => {
    const res = await fetch(`${stage!.url}/model`, { headers: { 'x-api-key': stage!.apiKey } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ version: expect.any(String), labels: expect.arrayContaining(['alt.atheism']) });
    expect((await fetch(`${stage!.url}/predict`, { method: 'POST', body: '[]' })).status).toBe(403);
  });
});
