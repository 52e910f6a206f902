// The watcher as a child process for tests: runWatch with an embedded engine,
// like `threadline watch` does. Run with `node --import tsx`; its one argument
// is runWatch's options as JSON, whose `rules` (a config file) stands for the
// CLI reading a project config's `watch` key.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { runWatch, type WatchOptions } from '../src/index.js';

const { rules: rulesFile, ...options } = JSON.parse(process.argv[2]!) as WatchOptions & { rules?: string };
let rules: { value: unknown; base: string; file: string } | undefined;
if (rulesFile !== undefined) {
  const file = resolve(rulesFile);
  rules = {
    value: (JSON.parse(readFileSync(file, 'utf8')) as { watch: unknown }).watch,
    base: dirname(file),
    file,
  };
}

const code = await runWatch(options, {
  ...(rules ? { rules } : {}),
  connect: async (where) => {
    const engine = await createEngine({
      registry: builtinJobs,
      poolSize: 2,
      ...(where.dataDir ? { dataDir: where.dataDir } : {}),
    });
    return { client: engine, local: true, close: () => engine.close() };
  },
});
process.exitCode = code;
