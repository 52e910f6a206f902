// What quitting the TUI stops on its own engine: the jobs that would end
// interrupted when it closes. A schedule's next run waiting in the queue is not
// one: the store keeps it queued (core's shutdown leaves it), and the next
// engine on the data directory runs it when due. Cancelling it instead would
// remove its schedule, which quitting must never do.
import { isActive, type JobSnapshot } from '@threadline/core/client';

export const stopsOnQuit = (job: Pick<JobSnapshot, 'state' | 'scheduleId'>): boolean =>
  isActive(job.state) && !(job.state === 'queued' && job.scheduleId !== null);
