// How numbers read on the page.
import type { JobSnapshot, JobState } from '@threadline/core';
import { formatBytes } from '@threadline/core/format';

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatRate(rate: number | null, unit: string): string {
  if (rate === null || !Number.isFinite(rate)) return '—';
  if (unit === 'bytes') return `${formatBytes(rate)}/s`;
  const digits = rate >= 100 ? 0 : rate >= 10 ? 1 : 2;
  return `${rate.toFixed(digits)} ${unit}/s`;
}

const number = new Intl.NumberFormat('en');

/** "12 / 40 files", "1.5 MB / 64 MB". */
export function formatCount(job: JobSnapshot): string {
  const { done, total } = job.progress;
  const amount = (value: number) => (job.unit === 'bytes' ? formatBytes(value) : number.format(value));
  const count = total === null ? amount(done) : `${amount(done)} / ${amount(total)}`;
  return job.unit === 'bytes' ? count : `${count} ${job.unit}`;
}

export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  const date = new Date(ms);
  const today = new Date().toDateString() === date.toDateString();
  return today ? date.toLocaleTimeString() : date.toLocaleString();
}

export function elapsed(job: JobSnapshot): number | null {
  if (job.startedAt === null) return null;
  return ((job.finishedAt ?? Date.now()) - job.startedAt) / 1000;
}

export const STATE_LABEL: Record<JobState, string> = {
  queued: 'queued',
  running: 'running',
  cancelling: 'cancelling…',
  succeeded: 'succeeded',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};
