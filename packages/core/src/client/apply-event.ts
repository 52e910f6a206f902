// The one event reducer: how a JobEvent changes what a UI knows of a job, and
// how a snapshot from a listing or a fetch meets what events already said.
// Snapshots are replaced, never mutated, so a row re-renders only when its job
// changed; states only move forward, so a stale snapshot cannot undo an event.
import {
  type DeletedEvent,
  isFinal,
  type JobEvent,
  type JobSnapshot,
  type JobState,
} from '../protocol/types.js';

const RANK: Record<JobState, number> = {
  queued: 0,
  running: 1,
  cancelling: 2,
  succeeded: 3,
  partial: 3,
  failed: 3,
  cancelled: 3,
  interrupted: 3,
};

/**
 * A snapshot read from the source (a listing, `get`, `start`) meeting the one
 * held: an older state is ignored, and progress never goes back while the job runs.
 */
export function mergeJob(current: JobSnapshot | undefined, incoming: JobSnapshot): JobSnapshot {
  if (!current) return incoming;
  if (RANK[current.state] > RANK[incoming.state]) return current;
  if (isFinal(incoming.state) || current.progress.done <= incoming.progress.done) return incoming;
  return { ...incoming, progress: current.progress };
}

/** Folds one event into its job's snapshot; the same object when the event changes nothing. */
export function applyJobEvent(job: JobSnapshot, event: JobEvent): JobSnapshot {
  switch (event.type) {
    case 'queued':
      return mergeJob(job, event.job);
    case 'started':
      return job.state === 'queued'
        ? { ...job, state: 'running', startedAt: job.startedAt ?? event.at }
        : job;
    case 'progress':
      return isFinal(job.state) ? job : { ...job, progress: event.progress };
    case 'item': {
      if (isFinal(job.state)) return job;
      const items = { ...job.items };
      items[event.outcome] += 1;
      return { ...job, items };
    }
    case 'items':
      if (isFinal(job.state)) return job;
      return { ...job, items: { ...job.items, succeeded: job.items.succeeded + event.succeeded } };
    case 'cancelling':
      return job.state === 'queued' || job.state === 'running' ? { ...job, state: 'cancelling' } : job;
    case 'finished':
      return {
        ...job,
        state: event.state,
        summary: event.summary,
        error: event.error,
        items: event.items,
        finishedAt: job.finishedAt ?? event.at,
        progress: { ...job.progress, rate: null, eta: null },
      };
    case 'log':
    case 'deleted':
      return job;
  }
}

/** Whether a `deleted` event took this job, as a view holds it when the event comes. */
export function deletedBy(
  event: DeletedEvent,
  job: Pick<JobSnapshot, 'id' | 'state' | 'finishedAt'>,
): boolean {
  if (event.jobIds !== null) return event.jobIds.includes(job.id);
  // A clear too large to list: the events come in order, so a job the view holds as finished
  // before that time had finished when the clear ran, and went with it.
  return event.finishedBefore !== null && isFinal(job.state) && (job.finishedAt ?? 0) < event.finishedBefore;
}

/**
 * Applies an event to the jobs it may concern, by id. False when the job is not
 * in `jobs` (and the event is not its `queued`): the caller fetches the job.
 */
export function applyEvent(jobs: Map<string, JobSnapshot>, event: JobEvent): boolean {
  if (event.type === 'deleted') {
    if (event.jobIds !== null) for (const id of event.jobIds) jobs.delete(id);
    else for (const job of jobs.values()) if (deletedBy(event, job)) jobs.delete(job.id);
    return true;
  }
  // A resume's `queued` is the only word the old job gets of it: the store marks it, no event does.
  if (event.type === 'queued' && event.job.resumeOf) {
    const old = jobs.get(event.job.resumeOf);
    if (old && old.resumedAs !== event.jobId) jobs.set(old.id, { ...old, resumedAs: event.jobId });
  }
  const job = jobs.get(event.jobId);
  if (!job) {
    if (event.type !== 'queued') return false;
    jobs.set(event.jobId, event.job);
    return true;
  }
  const next = applyJobEvent(job, event);
  if (next !== job) jobs.set(event.jobId, next);
  return true;
}
