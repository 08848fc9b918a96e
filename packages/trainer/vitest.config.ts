import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The integration tests read the whole archive and tokenize 18,846 posts; on 2 shared cores under
    // a parallel turbo run that takes tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
