import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/package.test.ts checks the packed tarball, which needs dist/.
    globalSetup: ['./test/helpers/buildDist.ts'],
  },
});
