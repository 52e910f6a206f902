// @threadline/jobs: the built-in jobs, by name. Jobs are loaded by URL (worker
// threads import them too), so this maps each name to its module's URL.

// Built, the modules are .js beside this file; under vitest they are the .ts sources.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const moduleUrl = (name: string) => new URL(`./${name}${ext}`, import.meta.url).href;

/** Job name → module URL, for the engine's registry. */
export const builtinJobs: Record<string, string> = {
  'image.scale': moduleUrl('image-scale'),
  'photo.tidy': moduleUrl('photo-tidy'),
  'files.index': moduleUrl('files-index'),
  'files.checksum': moduleUrl('files-checksum'),
  'feeds.fetch': moduleUrl('feeds-fetch'),
  'demo.sleep': moduleUrl('demo-sleep'),
  'model.train': moduleUrl('model-train'),
};

// Types of what the jobs write, for code that reads their outputs. Type-only: importing this module loads no job.
export type { NewEntry as FeedEntryLine } from './feeds-fetch.js';
export type { IndexLine } from './files-index.js';
export type { ModelFile } from './model-train.js';
