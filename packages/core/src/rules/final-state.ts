// How a job that ran ends, on every backend: its final state, its summary (the
// definition's, or the counts) and the error a person reads. A backend gathers
// the facts from its own records (memory, Redis); this decides.
import type { AnyJobDefinition } from '../job/define.js';
import { type ErrorInfo, toErrorInfo } from '../protocol/errors.js';
import type { ItemEvent, JobState } from '../protocol/types.js';

/** What a job that ran left behind, as its backend recorded it. */
export interface FinishingJob {
  mode: 'process' | 'run';
  input: unknown;
  /** undefined when the finisher cannot load the definition (a worker that lacks the job): no summarize. */
  definition: Pick<AnyJobDefinition, 'summarize'> | undefined;
  /** Items enumerated, and the outcomes recorded for them. */
  total: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Results of succeeded items in item order. A function: reading them can throw, which fails the job as summarize throwing does. */
  results: () => unknown[];
  /** A cancel was asked for, by a person or by the job itself (failFast). */
  cancelRequested: boolean;
  /** What stopped the job itself (its enumeration threw, failFast saw an item fail), or null. */
  failure: ErrorInfo | null;
  /** The first failed item's error: the message when every item failed. */
  firstItemError: ErrorInfo | null;
}

export interface FinalOutcome {
  state: Extract<JobState, 'succeeded' | 'partial' | 'failed' | 'cancelled'>;
  summary: unknown;
  /** Why it failed, or, for a partial job, what did not succeed: a person reads it. */
  error: ErrorInfo | null;
}

/** "4 of 12 items failed, 1 cancelled; first: <the first failed item's message>". */
function shortfall(total: number, failed: number, cancelled: number, first: ErrorInfo | null): string {
  const what =
    failed > 0
      ? `${failed} of ${total} items failed${cancelled > 0 ? `, ${cancelled} cancelled` : ''}`
      : `${cancelled} of ${total} items cancelled`;
  return first ? `${what}; first: ${first.message}` : what;
}

export function finalState(job: FinishingJob): FinalOutcome {
  const { total, succeeded, failed } = job;
  // Items that never got an outcome (dropped by a cancel or a failure before any record of them) count as cancelled.
  const cancelled = job.cancelled + Math.max(0, total - succeeded - failed - job.cancelled);
  const counts = { total, succeeded, failed, cancelled };
  let summary: unknown = { ...counts };
  let error = job.failure;
  try {
    const results = job.results();
    if (job.definition?.summarize)
      summary = job.definition.summarize(results, { input: job.input, ...counts });
    else if (job.mode === 'run') summary = results[0] ?? null;
  } catch (caught) {
    error ??= toErrorInfo(caught);
  }
  // A cancel the job asked for itself (failFast) is a failure, not a cancellation.
  if (job.cancelRequested && !job.failure) return { state: 'cancelled', summary, error };
  if (error) return { state: 'failed', summary, error };
  if (succeeded === total) return { state: 'succeeded', summary, error: null };
  const first = job.firstItemError;
  if (failed === total) {
    const message =
      total === 1 ? (first?.message ?? 'failed') : `all ${total} items failed; first: ${first?.message}`;
    return { state: 'failed', summary, error: { ...first, message } };
  }
  // Nothing succeeded (items that cancelled themselves, with no cancel asked for): not partial.
  if (succeeded === 0) {
    return {
      state: 'failed',
      summary,
      error: { ...first, message: `no item succeeded: ${shortfall(total, failed, cancelled, first)}` },
    };
  }
  // It ran to its end, and some items did not succeed: its own outcome, never a success.
  return {
    state: 'partial',
    summary,
    error: { ...first, message: shortfall(total, failed, cancelled, first) },
  };
}

/** Why a failFast job cancels itself, as its `cancelling` event says. */
export const FAIL_FAST_REASON = 'failFast: an item failed';

/**
 * The failure that stops a failFast job when one of `events` failed: the first failed item's
 * error, which the job then ends with. null when the job goes on (no failFast, nothing failed).
 */
export function failFastFailure(
  definition: Pick<AnyJobDefinition, 'failFast'> | undefined,
  events: readonly Pick<ItemEvent, 'outcome' | 'error'>[],
): ErrorInfo | null {
  if (!definition?.failFast) return null;
  const failed = events.find((event) => event.outcome === 'failed');
  return failed ? (failed.error ?? { message: 'an item failed' }) : null;
}
