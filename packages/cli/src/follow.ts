// Following a job to its end, as `threadline run` and `threadline resume` do:
// its events shown by a ProgressView (or as JSON lines), Ctrl+C cancelling it,
// and its final state as the exit code.
import {
  formatItemCounts,
  type JobClient,
  type JobEvent,
  type JobSnapshot,
  type JobState,
} from '@threadline/core';
import { applyJobEvent } from '@threadline/core/client';
import { EXIT } from './exit.js';
import { type ProgressView, plainView, quietView, terminalView } from './render.js';

export interface FollowOptions {
  json: boolean;
  quiet: boolean;
  /** The first line, naming the job (not printed with --json or --quiet). */
  heading: string;
}

/** The help's last lines for such a command; `usage` says what exit code 2 stands for. */
export const followFooter = (
  usage: string,
) => `Progress and results go to stdout; failed items and errors to stderr. When stdout is
closed (\`| head\`), the job still runs to its end and the exit code says how it ended.
Ctrl+C cancels the job (its items stop at their next check); a second Ctrl+C forces it.
Exit codes: 0 succeeded, 3 partial (it ran to its end, some items failed), 1 failed
(or interrupted), 130 cancelled, 2 ${usage}.`;

export const exitCodeOf = (state: JobState): number => {
  if (state === 'succeeded') return EXIT.ok;
  if (state === 'partial') return EXIT.partial;
  return state === 'cancelled' ? EXIT.cancelled : EXIT.failed;
};

/** Shows a job (and, for a schedule, each of its runs) until it ends; returns the exit code. */
export async function followJob(
  client: JobClient,
  first: JobSnapshot,
  options: FollowOptions,
): Promise<number> {
  const out = process.stdout;
  const view: ProgressView = options.json
    ? { progress() {}, line() {}, outcome() {}, problem() {}, end() {} }
    : options.quiet
      ? quietView(out)
      : out.isTTY
        ? terminalView(out)
        : plainView(out);
  let current = first;
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    const force = interrupts > 1 || signal === 'SIGTERM';
    if (!options.json) view.line(force ? 'forcing cancel…' : 'cancelling… (Ctrl+C again to force)');
    client.cancel(current.id, { reason: `${signal} from the terminal`, force }).catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    view.line(options.heading);
    for (;;) {
      const state = await followOne(client, current, view, options.json);
      // A schedule goes on to its next run until it is cancelled.
      const next =
        first.scheduleId && state !== 'cancelled' && interrupts === 0
          ? (await client.list({ state: 'queued', name: first.name })).find(
              (j) => j.scheduleId === first.scheduleId,
            )
          : undefined;
      if (!next) return exitCodeOf(state);
      current = next;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function followOne(
  client: JobClient,
  start: JobSnapshot,
  view: ProgressView,
  json: boolean,
): Promise<JobState> {
  // Replayed from the first event: the counts are built up from the job's own events.
  let job = start;
  for await (const event of client.events({ jobId: start.id, after: 0 })) {
    job = applyJobEvent(job, event);
    if (json) process.stdout.write(`${JSON.stringify(event)}\n`);
    else show(view, job, event);
    if (event.type === 'finished') return event.state;
  }
  throw new Error(`the event stream of job ${start.id} ended before the job did`);
}

/** `job` is the job with `event` applied. Succeeded items (`items` events) show only in the counts. */
function show(view: ProgressView, job: JobSnapshot, event: JobEvent): void {
  switch (event.type) {
    case 'queued':
      if (event.job.runAt) view.line(`next run at ${new Date(event.job.runAt).toLocaleTimeString()}`);
      return;
    case 'progress':
      view.progress(job);
      return;
    case 'item':
      if (event.outcome === 'failed')
        view.problem(`failed ${event.label ?? `item ${event.index + 1}`}: ${event.error?.message}`);
      return;
    case 'log':
      if (event.level === 'error' || event.level === 'warn')
        view.problem(`[${event.level}] ${event.message}`);
      else view.line(`[${event.level}] ${event.message}`);
      return;
    case 'finished': {
      view.end(job);
      view.outcome(`${event.state}: ${formatItemCounts(event.items)}`);
      if (event.error) view.problem(`error: ${event.error.message}`);
      if (event.state === 'interrupted')
        view.outcome(`what did not run yet runs with: threadline resume ${event.jobId}`);
      if (event.summary !== null && event.summary !== undefined)
        view.outcome(JSON.stringify(event.summary, null, 2));
      return;
    }
    default:
      return;
  }
}
