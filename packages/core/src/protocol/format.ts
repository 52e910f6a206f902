// One way to say where a job is, as a line of text: CLI, logs, watch output.
import type { Progress } from './types.js';

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatRate(rate: number | null): string {
  if (rate === null) return '?/s';
  return `${rate >= 100 ? Math.round(rate) : rate.toFixed(1)}/s`;
}

/** `12/40 files (30.0%) 3.1/s eta 9s — message` */
export function formatProgressLine(progress: Progress, unit: string): string {
  const count =
    progress.total === null ? `${progress.done} ${unit}` : `${progress.done}/${progress.total} ${unit}`;
  const percent = progress.fraction === null ? '' : ` (${(progress.fraction * 100).toFixed(1)}%)`;
  const eta = progress.eta === null ? '' : ` eta ${formatDuration(progress.eta)}`;
  const message = progress.message ? ` — ${progress.message}` : '';
  return `${count}${percent} ${formatRate(progress.rate)}${eta}${message}`;
}
