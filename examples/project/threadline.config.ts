import { defineConfig } from 'threadline';

export default defineConfig({
  // Job modules, by path or glob relative to this file; each is started by its name.
  jobs: ['./jobs/*.ts'],
  // The built-in jobs (image.scale, files.checksum, …) too; the default.
  builtins: true,
  // This project's history, one SQLite file, relative to this file.
  dataDir: '.threadline',
  // Worker threads, and how long a cancelled item may ignore the cancel (ms).
  poolSize: 2,
  graceMs: 2000,
  // `threadline watch` with no folder watches these.
  watch: {
    stableMs: 500,
    folders: [
      {
        path: 'inbox',
        rules: [
          {
            match: '*.txt',
            job: 'words.count',
            input: { file: '{{file}}', output: '{{out}}/{{stem}}.json' },
          },
          { match: '*', job: 'files.checksum' },
        ],
      },
    ],
  },
});
