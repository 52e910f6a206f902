// The page's jobs: core's jobsView over the page's JobClient, the same view
// (listing, event reducer, resumption, ~10 updates a second) the TUI uses.
import { type JobsViewState, jobsView } from '@threadline/core/client';
import { useSyncExternalStore } from 'react';
import { client } from './api';

/** Finished jobs listed at start and per "Load older jobs". */
const PAGE = 50;

export const jobs = jobsView(client, { pageSize: PAGE });

export function useJobs(): JobsViewState {
  return useSyncExternalStore(jobs.subscribe, jobs.getSnapshot);
}
