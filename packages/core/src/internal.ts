// @threadline/core/internal: what Threadline's own packages share and a job or
// an app should never need: the pool and its progress cells, the rules every
// backend follows, module loading, the watcher's pid lock, did-you-mean. It
// follows the packages' versions, not semver: import it only from @threadline/*.
export { takePidLock } from './engine/lock.js';
export { importDefault, loadJob, toModuleUrl } from './job/load.js';
export { resolveJobRef } from './job/registry.js';
export { definitionInfo, jobInputSchema, validateInput } from './job/schema.js';
export { type BatchOutcome, type PoolOptions, WorkerPool } from './pool/pool.js';
export { type CellSample, readCell } from './progress/cell-reader.js';
export * from './rules/index.js';
export { type HistoryReader, StoredHistory } from './store/history.js';
export { closest, didYouMean } from './suggest.js';
