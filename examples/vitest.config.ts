import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The examples run one at a time: each starts an engine with a thread per core.
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
