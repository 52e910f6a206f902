// Deleting finished jobs from the engine's store. Only a final job goes: one
// that is queued or running still writes its row and events each tick, and
// would come back (or lose its record) if deleted under it. Each call that
// deletes tells subscribers in one `deleted` event, however many jobs went.
import { NotFoundError, ValidationError } from '../protocol/errors.js';
import { type ClearOptions, deletedEvent, type JobSnapshot } from '../protocol/types.js';
import type { Store } from '../store/store.js';
import type { EventHub } from './event-hub.js';

/** Deletes one finished job; `live` holds the engine's jobs that are not final yet. */
export function deleteJob(
  store: Store,
  live: ReadonlyMap<string, JobSnapshot>,
  jobId: string,
  hub: Pick<EventHub, 'emit'>,
): void {
  const running = live.get(jobId);
  if (running) {
    throw new ValidationError(`job ${jobId} is ${running.state}: cancel it first, then delete it`, [
      { path: 'id', message: `the job is ${running.state}` },
    ]);
  }
  const deleted = store.deleteJobs({ id: jobId });
  if (deleted.length > 0) {
    hub.emit(deletedEvent(deleted, null));
    return;
  }
  const stored = store.getJob(jobId);
  if (!stored) throw new NotFoundError(`no job with id ${jobId}`);
  // In the store as unfinished but not live: an engine that runs no schedules holds a waiting run so.
  throw new ValidationError(`job ${jobId} is ${stored.state}: cancel it first, then delete it`, [
    { path: 'id', message: `the job is ${stored.state}` },
  ]);
}

/** Deletes every finished job (those finished before `finishedBefore`, if given). */
export function clearFinished(
  store: Store,
  options: ClearOptions = {},
  hub: Pick<EventHub, 'emit'>,
): { deleted: number } {
  // Every finished job the store holds finished by now (the engine wrote them first), and any that
  // finishes later says so in an event after this one: "before now + 1 ms" is exact for a view.
  const before = options.finishedBefore ?? Date.now() + 1;
  const deleted = store.deleteJobs({ finishedBefore: options.finishedBefore });
  if (deleted.length > 0) hub.emit(deletedEvent(deleted, before));
  return { deleted: deleted.length };
}
