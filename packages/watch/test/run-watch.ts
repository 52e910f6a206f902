// The watcher as a child process for tests: runWatch with an embedded engine
// on THREADLINE_DATA_DIR, like `threadline watch` does. Run with `node --import tsx`.
// `--rules FILE` (first) stands for the CLI reading a project config's `watch` key.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createEngine } from '@threadline/core';
import { builtinJobs } from '@threadline/jobs';
import { runWatch } from '../src/index.js';

let argv = process.argv.slice(2);
let rules: { value: unknown; base: string; file: string } | undefined;
if (argv[0] === '--rules') {
  const file = resolve(argv[1]!);
  rules = {
    value: (JSON.parse(readFileSync(file, 'utf8')) as { watch: unknown }).watch,
    base: dirname(file),
    file,
  };
  argv = argv.slice(2);
}

const code = await runWatch(argv, {
  ...(rules ? { rules } : {}),
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
