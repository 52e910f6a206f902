// How jobs read on the page: core's formatter, the same text as in the
// terminal, and what only the page shows (clock times, state labels).
import { formatDuration, type JobSnapshot, type JobState } from '@threadline/core/client';

export {
  barFraction,
  formatDuration,
  formatItemCounts,
  formatJobCount,
  formatPercent,
  formatRate,
} from '@threadline/core/client';

/** What the page shows for a value a job does not have: not started, not finished. */
export const NONE = '—';

export function formatTime(ms: number | null): string {
  if (ms === null) return NONE;
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

/** How long a job ran, or has been running. */
export function took(job: JobSnapshot): string {
  if (job.startedAt === null) return NONE;
  return formatDuration(((job.finishedAt ?? Date.now()) - job.startedAt) / 1000);
}

/** Labels for the states the page knows; a state added to core later shows under its own name. */
const STATE_LABELS: Partial<Record<string, string>> = {
  queued: 'queued',
  running: 'running',
  cancelling: 'cancelling…',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  partial: 'partly failed',
};

export const stateLabel = (state: JobState): string => STATE_LABELS[state] ?? state;

/** The badge's classes: `state state-<name>` (style.css colours each; `state-partial` is amber). */
export const stateClass = (state: JobState): string => `state state-${state}`;

/** A time in full (date and time), for a hover. */
export const formatFullTime = (ms: number): string => new Date(ms).toLocaleString();

/** An item's time: 0.4 ms, 12 ms, 1.5 s, then as durations are (1m05s). */
export function formatMs(ms: number): string {
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return formatDuration(ms / 1000);
}

/** A thread as people count them, from 1 (the workers view names them so too). */
export const threadLabel = (thread: number): string => `thread ${thread + 1}`;
