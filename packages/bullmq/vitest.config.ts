import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Files run one after another: each starts its own Redis and worker processes, and two
  // cores shared by two files' workers would make lock renewals late and stalls spurious.
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 30_000, fileParallelism: false },
});
