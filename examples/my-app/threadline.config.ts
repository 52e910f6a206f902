import { defineConfig } from 'threadline';

export default defineConfig({
  // Your job modules: each default-exports defineJob({...}). Paths and globs, relative to this file.
  jobs: ['./jobs/*.ts'],
  // This project's history (one SQLite file), kept beside it.
  dataDir: '.threadline',
});
