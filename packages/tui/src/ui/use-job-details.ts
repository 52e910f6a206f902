// A job's failures and logs for its details: fetched when opened, and again
// every second while the job runs.
import type { JobClient, JobDetails } from '@threadline/core/client';
import { useEffect, useState } from 'react';

const REFRESH_MS = 1000;

export interface JobDetailsState {
  details: JobDetails | null;
  /** Why the last fetch failed (the server gone, the job no longer stored). */
  error: string | null;
}

/** The details of `jobId` (none: nothing fetched); `final` stops the refresh. */
export function useJobDetails(client: JobClient, jobId: string | undefined, final: boolean): JobDetailsState {
  const [state, setState] = useState<JobDetailsState & { jobId?: string }>({ details: null, error: null });
  useEffect(() => {
    if (jobId === undefined) return;
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    const load = () => {
      client
        .details(jobId)
        .then((found) => {
          if (!stopped)
            setState({ jobId, details: found ?? null, error: found ? null : 'this job is no longer stored' });
        })
        .catch(
          (reason: unknown) =>
            !stopped &&
            setState((current) => ({
              ...current,
              error: reason instanceof Error ? reason.message : String(reason),
            })),
        )
        .finally(() => {
          if (!stopped && !final) timer = setTimeout(load, REFRESH_MS);
        });
    };
    load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [client, jobId, final]);
  // Another job's details are not this one's while its own are on their way.
  return state.jobId === jobId ? state : { details: null, error: state.error };
}
