// A job's Redis hash ↔ the JobSnapshot every client shows.
import type { ErrorInfo, JobSnapshot, JobState, Progress } from '@threadline/core';

/** What never changes after start, stored as one JSON field. */
export type StaticJob = Pick<
  JobSnapshot,
  'id' | 'name' | 'title' | 'input' | 'createdAt' | 'scheduleId' | 'runAt' | 'unit'
>;

export const EMPTY_PROGRESS: Progress = {
  done: 0,
  total: null,
  fraction: null,
  rate: null,
  eta: null,
  message: null,
};

export function newSnapshot(fixed: StaticJob): JobSnapshot {
  return {
    ...fixed,
    state: 'queued',
    startedAt: null,
    finishedAt: null,
    progress: { ...EMPTY_PROGRESS },
    items: { total: null, succeeded: 0, failed: 0, cancelled: 0 },
    summary: null,
    error: null,
  };
}

const num = (value: string | undefined) => (value === undefined || value === '' ? null : Number(value));
const json = <T>(value: string | undefined, fallback: T): T => (value ? (JSON.parse(value) as T) : fallback);

/** Builds the snapshot from HGETALL of the job's hash; undefined when the hash is empty. */
export function toSnapshot(hash: Record<string, string>): JobSnapshot | undefined {
  if (!hash.static) return undefined;
  const fixed = JSON.parse(hash.static) as StaticJob;
  const enumDone = hash.enumDone === '1';
  return {
    ...fixed,
    state: hash.state as JobState,
    startedAt: num(hash.startedAt),
    finishedAt: num(hash.finishedAt),
    progress: json<Progress>(hash.progress, { ...EMPTY_PROGRESS }),
    items: {
      total: enumDone ? Number(hash.enumerated) : null,
      succeeded: Number(hash.succeeded ?? 0),
      failed: Number(hash.failed ?? 0),
      cancelled: Number(hash.cancelled ?? 0),
    },
    summary: json<unknown>(hash.summary, null),
    error: json<ErrorInfo | null>(hash.error, null),
  };
}
