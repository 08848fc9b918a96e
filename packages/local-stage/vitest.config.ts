import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    // Each file starts its own stages and child processes; two files at a time suit 2 shared cores.
    maxWorkers: 2,
  },
});
