// Which jobs the list shows, in what order: what is moving first, newest on top
// within each group, so a job just started appears at the top.
import { isFinal, type JobSnapshot, type JobState } from '@threadline/core';

const GROUP: Record<JobState, number> = {
  running: 0,
  cancelling: 0,
  queued: 1,
  succeeded: 2,
  failed: 2,
  cancelled: 2,
  interrupted: 2,
};

export const isActive = (job: JobSnapshot): boolean => !isFinal(job.state);

export function compareJobs(a: JobSnapshot, b: JobSnapshot): number {
  const group = GROUP[a.state] - GROUP[b.state];
  if (group !== 0) return group;
  if (GROUP[a.state] === 2) return (b.finishedAt ?? 0) - (a.finishedAt ?? 0) || b.createdAt - a.createdAt;
  return b.createdAt - a.createdAt || a.id.localeCompare(b.id);
}

/** Case-insensitive match on name, title, state or id; every word must match. */
export function matchesFilter(job: JobSnapshot, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = `${job.name} ${job.title} ${job.state} ${job.id}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}
