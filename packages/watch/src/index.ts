// @threadline/watch: the hot-folder runner behind `threadline watch`.
export { runWatch, USAGE, type WatchDeps } from './run.js';
