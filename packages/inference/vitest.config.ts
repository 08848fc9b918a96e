import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Forks, not threads: onnxruntime's native addon and module-scope init are per process, as on Lambda.
    pool: 'forks',
    // Two cores are shared with other engineers: keep the run modest.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
