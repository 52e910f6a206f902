// What the schedules screen reads from the jobs view and shows of a schedule.
// No event tells of a schedule itself: its next and latest run change only
// when one of its runs is queued, starts or ends, which the view's active jobs
// tell, so that is when the list is read again (as the dashboard does).
import type { JobsViewState } from '@threadline/core/client';

/**
 * What a listing of the schedules depends on: the schedules' runs that are queued or
 * running, and their states, while the view is live. Progress events leave it as it is.
 */
export function scheduleRunsKey(state: Pick<JobsViewState, 'active' | 'connection'>): string {
  if (state.connection !== 'live') return state.connection;
  let key = 'live';
  for (const job of state.active) if (job.scheduleId !== null) key += ` ${job.id}:${job.state}`;
  return key;
}
