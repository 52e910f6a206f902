// Deleting finished jobs from the engine's store. Only a final job goes: one
// that is queued or running still writes its row and events each tick, and
// would come back (or lose its record) if deleted under it.
import { NotFoundError, ValidationError } from '../protocol/errors.js';
import type { ClearOptions, JobSnapshot } from '../protocol/types.js';
import type { Store } from '../store/store.js';

/** Deletes one finished job; `live` holds the engine's jobs that are not final yet. */
export function deleteJob(store: Store, live: ReadonlyMap<string, JobSnapshot>, jobId: string): void {
  const running = live.get(jobId);
  if (running) {
    throw new ValidationError(`job ${jobId} is ${running.state}: cancel it first, then delete it`, [
      { path: 'id', message: `the job is ${running.state}` },
    ]);
  }
  if (store.deleteJobs({ id: jobId }).length > 0) return;
  const stored = store.getJob(jobId);
  if (!stored) throw new NotFoundError(`no job with id ${jobId}`);
  // In the store as unfinished but not live: an engine that runs no schedules holds a waiting run so.
  throw new ValidationError(`job ${jobId} is ${stored.state}: cancel it first, then delete it`, [
    { path: 'id', message: `the job is ${stored.state}` },
  ]);
}

/** Deletes every finished job (those finished before `finishedBefore`, if given). */
export function clearFinished(store: Store, options: ClearOptions = {}): { deleted: number } {
  return { deleted: store.deleteJobs({ finishedBefore: options.finishedBefore }).length };
}
