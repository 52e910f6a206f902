// The one rule for how a job that ran ends: its final state, its summary
// (the definition's, or the counts), and the error a person reads.
import type { ErrorInfo } from '../protocol/errors.js';
import { toErrorInfo } from '../protocol/errors.js';
import type { JobState } from '../protocol/types.js';
import type { ActiveJob } from './active-job.js';

export interface Outcome {
  state: JobState;
  summary: unknown;
  error: ErrorInfo | null;
}

export function outcomeOf(job: ActiveJob): Outcome {
  const { succeeded, failed, cancelled, total: counted } = job.snapshot.items;
  const total = counted ?? job.enumerated;
  let summary: unknown = { total, succeeded, failed, cancelled };
  let error = job.failure;
  try {
    const results = job.results.filter((_, i) => i in job.results);
    const info = { input: job.input, total, succeeded, failed, cancelled };
    if (job.definition.summarize) summary = job.definition.summarize(results, info);
    else if (job.mode === 'run') summary = results[0] ?? null;
  } catch (caught) {
    error ??= toErrorInfo(caught);
  }
  // A cancel the job asked for itself (failFast) is a failure, not a cancellation.
  if (job.cancel && !job.failure) return { state: 'cancelled', summary, error };
  if (error) return { state: 'failed', summary, error };
  if (total > 0 && failed === total) {
    const first = job.firstItemError;
    const message =
      total === 1 ? (first?.message ?? 'failed') : `all ${total} items failed; first: ${first?.message}`;
    return { state: 'failed', summary, error: { ...first, message } };
  }
  return { state: 'succeeded', summary, error: null };
}
