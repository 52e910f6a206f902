// @threadline/watch: the hot-folder runner behind `threadline watch`.
export { watchRulesSchema } from './config.js';
export { runWatch, USAGE, type WatchDeps } from './run.js';
