import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds, not goals: a loaded 2-core CI machine runs Chromium and two engines slowly.
    testTimeout: 90_000,
    hookTimeout: 30_000,
    // The browser test and the HTTP tests each run engines with worker pools: one file at a time.
    fileParallelism: false,
  },
});
