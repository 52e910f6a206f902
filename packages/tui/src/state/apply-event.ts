// Folds one event into a job's snapshot, so the list stays live from the event
// stream alone. Snapshots are replaced, never mutated: rows re-render only when
// their job changed.
import type { JobEvent, JobSnapshot } from '@threadline/core';

export function applyEvent(job: JobSnapshot, event: JobEvent): JobSnapshot {
  switch (event.type) {
    case 'queued':
      return event.job;
    case 'started':
      return { ...job, state: 'running', startedAt: job.startedAt ?? event.at };
    case 'progress':
      return { ...job, progress: event.progress };
    case 'item': {
      const items = { ...job.items };
      items[event.outcome] += 1;
      return { ...job, items };
    }
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
      return job;
  }
}
