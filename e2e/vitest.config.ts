import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Packing and installing (better-sqlite3 builds from source) happen once, for every file.
    globalSetup: ['test/setup.ts'],
    hookTimeout: 360_000,
    testTimeout: 120_000,
    // One project, one data directory: the steps run one after another, never two files at once.
    fileParallelism: false,
  },
});
