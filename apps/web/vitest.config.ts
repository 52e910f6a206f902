import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // The browser test and the HTTP tests each run engines with worker pools: one file at a time.
    fileParallelism: false,
  },
});
