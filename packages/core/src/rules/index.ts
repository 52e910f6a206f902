// The rules every backend follows, so a job reads the same in-process and over
// BullMQ: its ids and first record, its item events, its progress, its final
// state. Pure functions and small classes, no I/O: a backend reads its own
// store, hands the facts to these, and writes back what they decide.
export { batchIndexes } from './batch-indexes.js';
export {
  FAIL_FAST_REASON,
  type FailureCount,
  type FinalOutcome,
  type FinishingJob,
  failureLimit,
  finalState,
  maxFailuresFailure,
  maxFailuresOf,
  maxFailuresProblem,
  maxFailuresReason,
} from './final-state.js';
export { type IdPrefix, newId } from './ids.js';
export {
  type EventJob,
  itemEvent,
  itemLabel,
  type NewItemEvent,
  type PendingItem,
  type SettledBatch,
  type SettledItem,
  settleBatch,
} from './item-events.js';
export { EMPTY_PROGRESS, newStaticJob, queuedSnapshot, type StaticJob } from './new-job.js';
export {
  type CellShare,
  etaOf,
  fractionOf,
  RATE_SMOOTHING,
  RateMeter,
  shareOfCells,
} from './sampler.js';
