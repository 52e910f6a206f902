// @threadline/core: typed jobs, the progress protocol over worker threads, and
// the engine (pool, scheduler, SQLite store) behind the JobClient interface.
// What only Threadline's own packages use is in @threadline/core/internal.

export { createEngine } from './engine/engine.js';
export { DataDirBusyError } from './engine/lock.js';
export type { Engine, EngineOptions, EngineStats, ShutdownOptions, ShutdownReport } from './engine/types.js';
export * from './job/index.js';
export type { JobRegistry } from './job/registry.js';
export { parseDuration } from './protocol/duration.js';
export {
  CancelledError,
  type ErrorInfo,
  ItemTimeoutError,
  JobLoadError,
  NotFoundError,
  StorageError,
  ThreadlineError,
  toErrorInfo,
  ValidationError,
  WorkerCrashedError,
} from './protocol/errors.js';
export * from './protocol/format.js';
export * from './protocol/typed-client.js';
export * from './protocol/types.js';
export { resolveDataDir } from './store/data-dir.js';
