// A job's Redis hash → the JobSnapshot every client shows. A new job's record
// is written from core's rules (newStaticJob, queuedSnapshot), as in-process.
import type { ErrorInfo, JobSnapshot, JobState, Progress } from '@threadline/core';
import { EMPTY_PROGRESS, type StaticJob } from '@threadline/core/internal';

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
