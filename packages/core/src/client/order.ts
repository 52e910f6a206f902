// The order every list of jobs is shown in: what is moving first, then what
// waits, newest on top within each, so a job just started appears at the top;
// then finished jobs, the latest to finish first.
import type { JobSnapshot, JobState } from '../protocol/types.js';

const GROUP: Record<JobState, number> = {
  running: 0,
  cancelling: 0,
  queued: 1,
  succeeded: 2,
  partial: 2,
  failed: 2,
  cancelled: 2,
  interrupted: 2,
};

export function compareJobs(a: JobSnapshot, b: JobSnapshot): number {
  const group = GROUP[a.state] - GROUP[b.state];
  if (group !== 0) return group;
  if (GROUP[a.state] === 2) return (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.createdAt - a.createdAt;
  return b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}
