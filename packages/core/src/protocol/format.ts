// One way to say where a job is, as text: the CLI, the TUI, the web page, logs.
// Pure functions with no Node imports, so the browser bundle can use them too
// (`@threadline/core/format`).
import { type ItemCounts, isFinal, type JobSnapshot, type JobState, type Progress } from './types.js';

/** 65 → "1m05s", 3900 → "1h05m"; "?" when not known (null, an infinite ETA). */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB'];

/** 1536 → "1.5 KB" (powers of 1024, as file managers show sizes). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

/** An amount of a job's unit: bytes as sizes ("1.5 MB"), anything else as the number. */
export function formatAmount(value: number, unit: string): string {
  return unit === 'bytes' ? formatBytes(value) : String(value);
}

/** "12/40 files", "1.5 MB/64 MB", or "12 files" while the total is unknown. */
export function formatCount(progress: Pick<Progress, 'done' | 'total'>, unit: string): string {
  const done = formatAmount(progress.done, unit);
  const suffix = unit === 'bytes' ? '' : ` ${unit}`;
  return progress.total === null
    ? `${done}${suffix}`
    : `${done}/${formatAmount(progress.total, unit)}${suffix}`;
}

export function formatRate(rate: number | null, unit = ''): string {
  if (rate === null || !Number.isFinite(rate)) return '?/s';
  if (unit === 'bytes') return `${formatBytes(rate)}/s`;
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s`;
}

/** 0.3 → "30.0%". Anything short of 1 reads at most "99.9%": only what is all done reads 100. */
export function formatPercent(fraction: number): string {
  const percent = fraction < 1 ? Math.min(fraction * 100, 99.9) : fraction * 100;
  return `${percent.toFixed(1)}%`;
}

function progressTail(progress: Progress, unit: string): string {
  const eta = progress.eta === null ? '' : ` eta ${formatDuration(progress.eta)}`;
  const message = progress.message ? ` — ${progress.message}` : '';
  return ` ${formatRate(progress.rate, unit)}${eta}${message}`;
}

/** `12/40 files (30.0%) 3.1/s eta 9s — message` */
export function formatProgressLine(progress: Progress, unit: string): string {
  const percent = progress.fraction === null ? '' : ` (${formatPercent(progress.fraction)})`;
  return `${formatCount(progress, unit)}${percent}${progressTail(progress, unit)}`;
}

/** A bar as text, `width` cells: `████░░░░`; null (the total is not known yet) is an empty track. Full only at 1. */
export function formatBar(fraction: number | null, width: number): string {
  if (width <= 0) return '';
  const share = fraction === null ? 0 : Math.min(1, Math.max(0, fraction));
  const filled = share >= 1 ? width : Math.min(width - 1, Math.round(share * width));
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** Short of full: a job that stopped without every item succeeding never reads 100%. */
const SHORT_OF_FULL = 0.999;

/**
 * How full a job's bar is: its progress while it runs; once it has stopped, the share of its
 * items that succeeded. Only a succeeded job's bar is full: a partial, failed or cancelled one
 * stays short of 1 even when every item ran.
 */
export function barFraction(job: Pick<JobSnapshot, 'state' | 'items' | 'progress'>): number | null {
  if (job.state === 'succeeded') return 1;
  if (!isFinal(job.state)) return job.progress.fraction;
  const { total, succeeded } = job.items;
  const share = total ? succeeded / total : total === 0 ? 0 : job.progress.fraction;
  return share === null ? null : Math.min(share, SHORT_OF_FULL);
}

/** "8 succeeded, 4 failed, 0 cancelled of 12": each outcome on its own. */
export function formatItemCounts(items: ItemCounts): string {
  return `${items.succeeded} succeeded, ${items.failed} failed, ${items.cancelled} cancelled of ${items.total ?? '?'}`;
}

type CountedJob = Pick<JobSnapshot, 'state' | 'items' | 'progress' | 'unit'>;

const outcomesAside = ({ failed, cancelled }: ItemCounts): string =>
  `${failed > 0 ? `, ${failed} failed` : ''}${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`;

/**
 * A job's count with its failed and cancelled items apart: `12/40 files` while all is well,
 * `30/40 files, 2 failed` while it runs, and once it stopped short, the items that succeeded:
 * `8/12 files, 4 failed` (a partial job), `10/40 files, 30 cancelled` (a cancelled one).
 */
export function formatJobCount(job: CountedJob): string {
  const { items } = job;
  if (items.failed === 0 && items.cancelled === 0) return formatCount(job.progress, job.unit);
  if (!isFinal(job.state)) return `${formatCount(job.progress, job.unit)}${outcomesAside(items)}`;
  // Items, not the progress's units: bytes are not what failed.
  const unit = job.unit === 'bytes' ? 'items' : job.unit;
  return `${items.succeeded}/${items.total ?? '?'} ${unit}${outcomesAside(items)}`;
}

/**
 * formatProgressLine for a job, its failed and cancelled items apart:
 * `30/40 files, 2 failed (75.0%) 3.1/s eta 3s` while it runs; once it stopped short, the share
 * that succeeded, never 100%: `8/12 files, 4 failed (66.7%)`.
 */
export function formatJobProgressLine(job: CountedJob): string {
  const final = isFinal(job.state);
  const fraction = final ? barFraction(job) : job.progress.fraction;
  const head = `${formatJobCount(job)}${fraction === null ? '' : ` (${formatPercent(fraction)})`}`;
  if (!final || job.state === 'succeeded') return `${head}${progressTail(job.progress, job.unit)}`;
  return job.progress.message ? `${head} — ${job.progress.message}` : head;
}

/** `in 4m12s`, `due now`, or `paused`: a schedule's next run as a countdown. */
export function formatNextRun(schedule: { paused: boolean; nextRunAt: number | null }, now: number): string {
  if (schedule.paused || schedule.nextRunAt === null) return 'paused';
  const seconds = (schedule.nextRunAt - now) / 1000;
  return seconds < 1 ? 'due now' : `in ${formatDuration(seconds)}`;
}

const DAY_MS = 86_400_000;

/** `42s ago`, `2m ago`, `3h ago`, `2d ago`: how long since a time, in its largest whole unit. */
export function formatAgo(at: number, now: number): string {
  const seconds = Math.max(0, Math.floor((now - at) / 1000));
  if (seconds < 1) return 'just now';
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (seconds >= size) return `${Math.floor(seconds / size)}${unit} ago`;
  }
  return `${seconds}s ago`;
}

/** `succeeded · 2m ago`, or `none yet`: how a schedule's last finished run ended, and when. */
export function formatLastRun(
  lastFinished: { state: JobState; finishedAt: number } | null,
  now: number,
): string {
  return lastFinished ? `${lastFinished.state} · ${formatAgo(lastFinished.finishedAt, now)}` : 'none yet';
}

/** A time on the local clock, with the date when it is a day or more from `now`. */
export function formatClock(at: number, now: number): string {
  return Math.abs(at - now) < DAY_MS ? new Date(at).toLocaleTimeString() : new Date(at).toLocaleString();
}
