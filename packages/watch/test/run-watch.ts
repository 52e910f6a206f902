// The watcher as a child process for tests: runWatch with an embedded engine
// on THREADLINE_DATA_DIR, like `threadline watch` does. Run with `node --import tsx`.
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { runWatch } from '../src/index.js';

const code = await runWatch(process.argv.slice(2), {
  connect: async (options) => {
    const engine = await createEngine({
      registry: builtinJobs,
      poolSize: 2,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    });
    return { client: engine, local: true, close: () => engine.close() };
  },
});
process.exitCode = code;
