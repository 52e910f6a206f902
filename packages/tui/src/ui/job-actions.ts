// What the keys do to a job: cancel it (or force it), resume it. Each says in
// the status line what it did or why it could not; none asks a server that
// does not answer (the jobs view is not live).
import { isActive, type JobClient, type JobSnapshot, type JobsView } from '@threadline/core/client';
import { whyNotResumable } from '../state/resume.js';
import type { Flash } from './StatusLine.js';

export interface JobActionsDeps {
  client: JobClient;
  view: JobsView;
  /** The TUI's own engine: always there. */
  local: boolean;
  setFlash(flash: Flash): void;
  /** `old` was resumed as `next`, which the view now holds. */
  onResumed(old: JobSnapshot, next: JobSnapshot): void;
}

export function jobActions({ client, view, local, setFlash, onResumed }: JobActionsDeps) {
  /** While the server does not answer, the keys that would ask it something say so instead. */
  const online = (what: string): boolean => {
    if (local || view.getSnapshot().connection === 'live') return true;
    setFlash({ text: `Disconnected: ${what} is off until the server answers again.`, color: 'red' });
    return false;
  };

  const cancel = (job: JobSnapshot | undefined, force: boolean) => {
    if (!job || !online(force ? 'force' : 'cancel')) return;
    if (!isActive(job.state)) {
      setFlash({ text: `${job.name} has already ended (${job.state}).`, color: 'gray' });
      return;
    }
    setFlash({
      text: `${force ? 'Force-cancelling' : 'Cancelling'} ${job.name} (${job.id})…`,
      color: 'yellow',
      jobId: job.id,
    });
    client
      .cancel(job.id, { reason: 'cancelled from the terminal', force })
      .catch((error: unknown) => setFlash({ text: `Cannot cancel: ${message(error)}`, color: 'red' }));
  };

  const resume = (job: JobSnapshot | undefined) => {
    if (!job || !online('resume')) return;
    const why = whyNotResumable(job);
    if (why) {
      setFlash({ text: `Cannot resume: ${why}.`, color: 'gray' });
      return;
    }
    setFlash({ text: `Resuming ${job.name} (${job.id})…`, color: 'yellow' });
    client
      .resume(job.id)
      .then((next) => {
        // No event tells that the old job was resumed: its snapshot here says so now.
        view.put([{ ...(view.get(job.id) ?? job), resumedAs: next.id }, next]);
        onResumed(job, next);
        setFlash({ text: `Resumed ${job.name} (${job.id}) as ${next.id}.`, color: 'green', jobId: next.id });
      })
      .catch((error: unknown) => setFlash({ text: `Cannot resume: ${message(error)}`, color: 'red' }));
  };

  return { online, cancel, resume };
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
