// Which jobs the list shows while a filter is typed. The order and what a job
// knows come from core's jobsView (`@threadline/core/client`).
import type { JobSnapshot } from '@threadline/core/client';

/** Case-insensitive match on name, title, state or id; every word must match. */
export function matchesFilter(job: JobSnapshot, filter: string): boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = `${job.name} ${job.title} ${job.state} ${job.id}`.toLowerCase();
  return words.every((word) => haystack.includes(word));
}
