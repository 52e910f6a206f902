// The page's jobs: core's jobsView over the page's JobClient, the same view
// (listing, event reducer, resumption, ~10 updates a second) the TUI uses.
import { type JobsViewState, jobsView } from '@threadline/core/client';
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
