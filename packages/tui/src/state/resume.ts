// Whether a job can be resumed (JobClient.resume), read from its snapshot so the
// key can say why not at once and the footer offer it only where it works. The
// engine still decides: a job resumed from another shell is refused there.
import { isActive, type JobSnapshot } from '@threadline/core/client';

/** Why `job` cannot be resumed, in the engine's words; null when it can. */
export function whyNotResumable(job: JobSnapshot): string | null {
  if (isActive(job.state)) return `job ${job.id} is ${job.state}: it can be resumed once it has ended`;
  if (job.resumedAs) return `job ${job.id} was resumed already, as ${job.resumedAs}`;
  if (job.state === 'succeeded')
    return `job ${job.id} succeeded: nothing to resume (start it again to redo it)`;
  return null;
}

/**
 * What `r` offers for a job it can resume, in the dashboard's words: a job that
 * ran to its end retries what failed, one stopped short resumes.
 */
export const resumeLabel = (job: JobSnapshot): string =>
  job.state === 'failed' || job.state === 'partial' ? 'retry failed' : 'resume';
