// @threadline/core: typed jobs, the progress protocol over worker threads, and
// the engine (pool, scheduler, SQLite store) behind the JobClient interface.

export { createEngine } from './engine/engine.js';
export { DataDirBusyError, takePidLock } from './engine/lock.js';
export type { Engine, EngineOptions, EngineStats, ShutdownOptions, ShutdownReport } from './engine/types.js';
export * from './job/index.js';
export { importDefault, loadJob, toModuleUrl } from './job/load.js';
export { type JobRegistry, resolveJobRef } from './job/registry.js';
export { definitionInfo, jobInputSchema, validateInput } from './job/schema.js';
export { type BatchOutcome, type PoolOptions, WorkerPool } from './pool/pool.js';
export { type CellSample, readCell } from './progress/cell-reader.js';
export { parseDuration } from './protocol/duration.js';
export {
  CancelledError,
  type ErrorInfo,
  JobLoadError,
  NotFoundError,
  ThreadlineError,
  toErrorInfo,
  ValidationError,
  WorkerCrashedError,
} from './protocol/errors.js';
export * from './protocol/format.js';
export * from './protocol/typed-client.js';
export * from './protocol/types.js';
export * from './rules/index.js';
export { resolveDataDir } from './store/data-dir.js';
export { closest, didYouMean } from './suggest.js';
