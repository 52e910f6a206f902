// @threadline/jobs: the built-in jobs, by name. Jobs are loaded by URL (worker
// threads import them too), so this maps each name to its module's URL.

// Built, the modules are .js beside this file; under vitest they are the .ts sources.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const moduleUrl = (name: string) => new URL(`./${name}${ext}`, import.meta.url).href;

/** Job name → module URL, for the engine's registry; by name, the order lists show them in. */
export const builtinJobs: Record<string, string> = {
  'demo.sleep': moduleUrl('demo-sleep'),
  'feeds.fetch': moduleUrl('feeds-fetch'),
  'files.checksum': moduleUrl('files-checksum'),
  'files.index': moduleUrl('files-index'),
  'image.scale': moduleUrl('image-scale'),
  'model.train': moduleUrl('model-train'),
  'photo.tidy': moduleUrl('photo-tidy'),
};

// What start() takes for each built-in job, for `typedClient<BuiltinJobInputs>(client)` from @threadline/core.
// Type-only imports: they load no job module.
import type { JobInputOf } from '@threadline/core/job';
import type demoSleep from './demo-sleep.js';
import type feedsFetch from './feeds-fetch.js';
import type filesChecksum from './files-checksum.js';
import type filesIndex from './files-index.js';
import type imageScale from './image-scale.js';
import type modelTrain from './model-train.js';
import type photoTidy from './photo-tidy.js';

export interface BuiltinJobInputs {
  'image.scale': JobInputOf<typeof imageScale>;
  'photo.tidy': JobInputOf<typeof photoTidy>;
  'files.index': JobInputOf<typeof filesIndex>;
  'files.checksum': JobInputOf<typeof filesChecksum>;
  'feeds.fetch': JobInputOf<typeof feedsFetch>;
  'demo.sleep': JobInputOf<typeof demoSleep>;
  'model.train': JobInputOf<typeof modelTrain>;
}

// Types of what the jobs write, for code that reads their outputs. Type-only: importing this module loads no job.
export type { NewEntry as FeedEntryLine } from './feeds-fetch.js';
export type { IndexLine } from './files-index.js';
export type { ModelFile } from './model-train.js';
