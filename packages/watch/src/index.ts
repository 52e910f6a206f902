// @threadline/watch: the hot-folder runner behind `threadline watch`.
export { DEFAULT_CONCURRENCY, DEFAULT_STABLE_MS, watchRulesSchema } from './config.js';
export { runWatch, type WatchDeps, type WatchOptions } from './run.js';
