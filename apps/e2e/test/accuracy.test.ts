import { afterAll, beforeAll, expect, it } from 'vitest';
import { ACCURACY_POSTS } from '../src/constants.js';
import { type OfflineModel, artifactDir, loadOfflineModel, sampleTestSplit } from '../src/offline.js';
import { excludedGroup, suite } from './support.js';

const { target, client } = suite();

// Excluded on purpose (E2E_EXCLUDE=accuracy, e.g. a deployed stage serving another model than the
// local artifact): the case is reported as skipped, with the reason.
const { describe: group, reason } = excludedGroup('accuracy');

group(`accuracy smoke: ${ACCURACY_POSTS} test-split posts${reason}`, () => {
  let offline: OfflineModel;
  let posts: { texts: string[]; truth: string[] };

  beforeAll(async () => {
    [offline, posts] = await Promise.all([loadOfflineModel(), sampleTestSplit(ACCURACY_POSTS)]);
  });
  afterAll(async () => {
    await offline?.close();
  });

  it('get exactly the labels the artifact gives offline', async () => {
    // Prepare: the stage must serve the artifact the offline labels come from, or the comparison means nothing.
    const served = await client.model();
    expect(
      served.version,
      `the ${target.kind} stage serves model ${served.version}, the artifact at ${artifactDir()} is ${offline.version}: ` +
        (target.kind === 'local'
          ? 'the synthesized stack is stale, run npm run synth -w @org/classifier-infra'
          : 'point CLASSIFIER_MODEL_DIR at the deployed artifact, or exclude this case with E2E_EXCLUDE=accuracy'),
    ).toBe(offline.version);

    // Act: through the endpoint (the client sends batches of at most 256 texts / 1 MB) and in-process.
    const [online, expected] = await Promise.all([client.classify(posts.texts), offline.predict(posts.texts)]);

    // Assess: identical labels, post by post.
    const mismatches = online.flatMap((label, i) => (label === expected[i] ? [] : [`#${i}: endpoint ${label}, offline ${expected[i]}`]));
    expect(mismatches, mismatches.slice(0, 10).join('\n')).toEqual([]);
    expect(online).toHaveLength(ACCURACY_POSTS);
    // Not a gate (the trainer's tests own accuracy), but a sanity bound: far above chance (5%).
    const correct = online.filter((l, i) => l === posts.truth[i]).length;
    expect(correct / ACCURACY_POSTS).toBeGreaterThan(0.6);
  });
});
