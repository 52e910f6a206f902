// The line a TUI on its own engine leaves in the shell when it stops with jobs
// still running (a signal, or `q` again while cancelling): closing the engine
// lets running items finish, and what is left of each job ends interrupted.
import type { JobSnapshot } from '@threadline/core/client';

/** Jobs named in the line; the rest are counted. */
const NAMED = 3;

/**
 * `why` starts the line ("Stopping on SIGTERM"). The drain time is the engine's
 * drainMs, which the TUI is not told, so its default is named with it.
 */
export function drainNotice(why: string, jobs: readonly JobSnapshot[]): string {
  const named = jobs.slice(0, NAMED).map((job) => `${job.name} (${job.id})`);
  const more = jobs.length - named.length;
  const which = more > 0 ? `${named.join(', ')} and ${more} more` : joinAnd(named);
  const running = jobs.some((job) => job.state !== 'queued');
  const wait = running ? 'letting running items finish (up to drainMs, 10 s by default); ' : '';
  const them = jobs.length === 1 ? 'it' : 'them';
  return `${why}: ${wait}what is left of ${which} then ends interrupted. r in threadline tui resumes ${them}.\n`;
}

const joinAnd = (items: string[]) =>
  items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
