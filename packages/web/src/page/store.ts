// The page's jobs: core's jobsView over the page's JobClient, the same view
// (listing, event reducer, resumption, ~10 updates a second) the TUI uses.
import { type JobSnapshot, type JobState, type JobsViewState, jobsView } from '@threadline/core/client';
import { useSyncExternalStore } from 'react';
import { client } from './api';

/** Finished jobs listed at start and per "Load older jobs". */
export const PAGE = 50;

export const jobs = jobsView(client, { pageSize: PAGE });

export function useJobs(): JobsViewState {
  return useSyncExternalStore(jobs.subscribe, jobs.getSnapshot);
}

const isOffline = () => jobs.getSnapshot().connection === 'reconnecting';

/**
 * The server stopped answering: what the page shows of running jobs is only
 * their last known state, and actions cannot reach anyone. A boolean, so the
 * rows that read it re-render only when it flips.
 */
export function useOffline(): boolean {
  return useSyncExternalStore(jobs.subscribe, isOffline);
}

/** Old job id → the job that resumes it, of the jobs a state holds; built once per state. */
const resumers = new WeakMap<JobsViewState, Map<string, string>>();

function resumerOf(id: string): string | undefined {
  const state = jobs.getSnapshot();
  let map = resumers.get(state);
  if (!map) {
    map = new Map();
    for (const job of state.jobs) if (job.resumeOf !== undefined) map.set(job.resumeOf, job.id);
    resumers.set(state, map);
  }
  return map.get(id);
}

/**
 * The job that resumed this one. The old job's snapshot says so once read again
 * (`resumedAs`), but no event tells a page that holds it: the new job's
 * `queued` event (its `resumeOf`) is what arrives, so that is read too.
 */
export function useResumedAs(job: Pick<JobSnapshot, 'id' | 'resumedAs'>): string | undefined {
  return useSyncExternalStore(jobs.subscribe, () => job.resumedAs ?? resumerOf(job.id));
}

/** A job's state as the view holds it, if it holds the job. */
export function useJobState(id: string): JobState | undefined {
  return useSyncExternalStore(jobs.subscribe, () => jobs.get(id)?.state);
}

/**
 * Whether the job a panel shows was deleted since the page opened (here, in another tab, by a
 * clear): the view drops it on the `deleted` event, and the panel says so instead of a read's error.
 */
export function useDeleted(job: Pick<JobSnapshot, 'id' | 'state' | 'finishedAt'> | undefined): boolean {
  return useSyncExternalStore(jobs.subscribe, () => job !== undefined && jobs.isDeleted(job));
}
