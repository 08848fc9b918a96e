import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Starts a local stage (unless STAGE_URL/API_KEY or an outputs file name a deployed one) and
    // hands its URL and key to the test files through `provide`/`inject`.
    globalSetup: ['test/globalSetup.ts'],
    // One file at a time: the files share one key and its usage plan (10 req/s, 100 a day on `test`),
    // and the machine's two cores with the stage's execution environments.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
