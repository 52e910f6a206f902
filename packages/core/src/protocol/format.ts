// One way to say where a job is, as text: the CLI, the TUI, the web page, logs.
// Pure functions with no Node imports, so the browser bundle can use them too
// (`@threadline/core/format`).
import { isFinal, type JobSnapshot, type Progress } from './types.js';

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

/** 0.3 → "30.0%". */
export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** `12/40 files (30.0%) 3.1/s eta 9s — message` */
export function formatProgressLine(progress: Progress, unit: string): string {
  const percent = progress.fraction === null ? '' : ` (${formatPercent(progress.fraction)})`;
  const eta = progress.eta === null ? '' : ` eta ${formatDuration(progress.eta)}`;
  const message = progress.message ? ` — ${progress.message}` : '';
  return `${formatCount(progress, unit)}${percent} ${formatRate(progress.rate, unit)}${eta}${message}`;
}

/** A bar as text, `width` cells: `████░░░░`; null (the total is not known yet) is an empty track. */
export function formatBar(fraction: number | null, width: number): string {
  if (width <= 0) return '';
  const filled = fraction === null ? 0 : Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return '█'.repeat(filled) + '░'.repeat(width - filled);
}

/** How full a job's bar is: its progress while it runs; once it has stopped, the share of its items that ran. */
export function barFraction(job: Pick<JobSnapshot, 'state' | 'items' | 'progress'>): number | null {
  if (job.state === 'succeeded') return 1;
  const { total, succeeded, failed } = job.items;
  if (isFinal(job.state) && total) return (succeeded + failed) / total;
  return job.progress.fraction;
}
