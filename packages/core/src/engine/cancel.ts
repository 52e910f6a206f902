// The cancel path: a queued job is dropped at once; a running one has its
// pending items dropped, its running items told (the cell's flag, then their
// signal), and, past graceMs or at once with force, its threads terminated.

import { NotFoundError } from '../protocol/errors.js';
import type { CancelOptions, JobSnapshot } from '../protocol/types.js';
import type { ActiveJob } from './active-job.js';
import type { EngineContext } from './context.js';

const DEFAULT_GRACE_MS = 2000;

export function cancelJob(engine: EngineContext, jobId: string, options: CancelOptions = {}): JobSnapshot {
  const job = engine.live.get(jobId);
  if (!job) {
    const stored = engine.store.getJob(jobId);
    if (!stored) throw new NotFoundError(`no job with id ${jobId}`);
    return stored;
  }
  engine.runs.cancelled(job);
  const reason = options.reason ?? null;
  if (engine.queue.remove(jobId)) {
    engine.hub.emit({ type: 'cancelling', jobId, reason, force: options.force ?? false });
    engine.finalize(job, 'cancelled', null, null);
    engine.startQueued();
    return structuredClone(job);
  }
  const active = engine.active.get(jobId);
  if (active) requestCancel(engine, active, { reason, force: options.force ?? false });
  return structuredClone(job);
}

/** Stops a running job (a cancel, or its failures reaching maxFailures). */
export function requestCancel(
  engine: EngineContext,
  job: ActiveJob,
  request: { reason: string | null; force: boolean },
): void {
  if (job.cancel && (job.cancel.force || !request.force)) return;
  job.cancel = request;
  // The flag first: a loop calling throwIfCancelled() stops while the rest is recorded.
  for (const batch of job.batches) batch.slot.cancel();
  job.snapshot.state = 'cancelling';
  engine.dirty.add(job.snapshot);
  engine.hub.emit({
    type: 'cancelling',
    jobId: job.snapshot.id,
    reason: request.reason,
    force: request.force,
  });
  job.enumeration.abort();
  job.resumeEnumeration?.();
  dropPending(engine, job);
  clearTimeout(job.graceTimer);
  const terminate = () => {
    for (const batch of job.batches) void batch.slot.terminate();
  };
  if (request.force) terminate();
  else {
    job.graceTimer = setTimeout(terminate, engine.options.graceMs ?? DEFAULT_GRACE_MS);
    job.graceTimer.unref();
  }
  engine.afterBatch(job);
}

/** Items that never reached a worker are dropped at once, counted as cancelled. */
export function dropPending(engine: EngineContext, job: ActiveJob): void {
  job.snapshot.items.cancelled += job.pending.length;
  job.pending.length = 0;
  engine.dirty.add(job.snapshot);
}
