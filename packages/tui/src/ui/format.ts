// How jobs read on screen: state colours and the text after the bar (drawn by
// core's formatBar, like every other surface's).
import {
  formatDuration,
  formatJobProgressLine,
  type JobSnapshot,
  type JobState,
} from '@threadline/core/client';

export const STATE_COLOR: Record<JobState, string> = {
  queued: 'gray',
  running: 'cyan',
  cancelling: 'yellow',
  succeeded: 'green',
  // Amber, never green: it ran to its end, but not every item succeeded.
  partial: 'yellow',
  failed: 'red',
  cancelled: 'yellow',
  interrupted: 'magenta',
};

const COUNT_KEYS = new Set(['total', 'succeeded', 'failed', 'cancelled']);

/** A job's summary as one line of `key value` pairs, leaving out the counts the row already shows. */
export function summaryText(summary: unknown): string {
  if (summary === null || summary === undefined) return '';
  if (typeof summary !== 'object' || Array.isArray(summary)) return JSON.stringify(summary);
  return Object.entries(summary)
    .filter(([key, value]) => !COUNT_KEYS.has(key) && value !== null && typeof value !== 'object')
    .map(([key, value]) => `${key} ${String(value)}`)
    .join(', ');
}

/** The end of a job's id, enough to tell apart rows of the same job (the filter finds it). */
export const idSuffix = (id: string): string => id.slice(-4);

/** How long ago, in the one unit that matters at a glance: `12s`, `5m`, `3h`, `2d`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/**
 * The text after a job's bar: live progress while it runs, the outcome once it has finished;
 * `took: false` leaves out how long it took (a column shows it).
 */
export function jobLine(job: JobSnapshot, options: { took?: boolean } = {}): string {
  if (job.state === 'queued') {
    return job.runAt ? `waits until ${new Date(job.runAt).toLocaleTimeString()}` : 'waiting for a worker';
  }
  if (job.state === 'running' || job.state === 'cancelling') return formatJobProgressLine(job);
  const { succeeded, failed, cancelled, total } = job.items;
  const counts = [`${succeeded}${total === null ? '' : `/${total}`} ${job.unit}`];
  if (failed > 0) counts.push(`${failed} failed`);
  if (cancelled > 0) counts.push(`${cancelled} cancelled`);
  const took =
    options.took !== false && job.startedAt !== null && job.finishedAt !== null
      ? ` · ${formatDuration((job.finishedAt - job.startedAt) / 1000)}`
      : '';
  const detail = job.error ? job.error.message : summaryText(job.summary);
  return `${counts.join(', ')}${took}${detail ? ` — ${detail}` : ''}`;
}

/** Cuts text to `width` cells with an ellipsis; pads it when `pad` is set. */
export function fit(text: string, width: number, pad = false): string {
  if (width <= 0) return '';
  if (text.length > width) return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
  return pad ? text.padEnd(width) : text;
}
