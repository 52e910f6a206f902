// How a job that ran ends, on every backend: its final state, its summary (the
// definition's, or the counts) and the error a person reads. A backend gathers
// the facts from its own records (memory, Redis); this decides.
import type { AnyJobDefinition } from '../job/define.js';
import { type ErrorInfo, toErrorInfo, ValidationError } from '../protocol/errors.js';
import type { JobState } from '../protocol/types.js';

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
  /** A cancel was asked for, by a person or by the job itself (failFast, maxFailures). */
  cancelRequested: boolean;
  /** What stopped the job itself (its enumeration threw, its failed items reached maxFailures), or null. */
  failure: ErrorInfo | null;
  /** The run's maxFailures (failFast is 1), if it has one: failures that reached it fail the job. */
  maxFailures?: number | undefined;
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
  // A cancel the job asked for itself (failFast, maxFailures) is a failure, not a cancellation.
  if (job.cancelRequested && !job.failure) return { state: 'cancelled', summary, error };
  if (error) return { state: 'failed', summary, error };
  // Failures that reached the limit fail the job, though the last of them came too late to stop it.
  const over = maxFailuresFailure({ ...job, total });
  if (over) return { state: 'failed', summary, error: over };
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

/** Why a job stops itself at its maxFailures, as its `cancelling` event says (failFast's words for 1). */
export const maxFailuresReason = (maxFailures: number): string =>
  maxFailures === 1 ? FAIL_FAST_REASON : `maxFailures ${maxFailures}: too many items failed`;

/** What is wrong with a maxFailures setting; null for a count (1, 2, …) or a fraction 0 < f < 1. */
export function maxFailuresProblem(value: unknown): string | null {
  if (typeof value === 'number' && ((value > 0 && value < 1) || (value >= 1 && Number.isSafeInteger(value))))
    return null;
  const shown = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return `must be a count of items (1, 2, …) or a fraction of them between 0 and 1 (0.1), not ${shown}`;
}

/**
 * The maxFailures a run goes by: the start's, else its definition's (failFast is 1); undefined for
 * none. Throws a ValidationError naming a bad one, from whichever gave it.
 */
export function maxFailuresOf(
  definition: Pick<AnyJobDefinition, 'name' | 'maxFailures' | 'failFast'>,
  options: { maxFailures?: number | undefined } = {},
): number | undefined {
  const given = options.maxFailures ?? definition.maxFailures;
  if (given === undefined) return definition.failFast ? 1 : undefined;
  const problem = maxFailuresProblem(given);
  if (!problem) return given;
  const where = options.maxFailures !== undefined ? 'maxFailures' : `${definition.name}'s maxFailures`;
  throw new ValidationError(`${where} ${problem}`, [{ path: 'maxFailures', message: problem }]);
}

/**
 * How many failed items stop a job: a count as given; a fraction of `total`, the smallest count
 * whose share reaches it (0.25 of 12 is 3), unknown (null) while the total is. null for no limit.
 */
export function failureLimit(maxFailures: number | undefined, total: number | null): number | null {
  if (maxFailures === undefined) return null;
  if (maxFailures >= 1) return maxFailures;
  if (total === null) return null;
  // A hair of tolerance: 0.1 × 30 is 3.0000000000000004, and 3 of 30 is a tenth.
  return Math.max(1, Math.ceil(maxFailures * total - 1e-9));
}

/** What a backend knows of a running job's failures when it checks its maxFailures. */
export interface FailureCount {
  maxFailures?: number | undefined;
  /** Items enumerated, once they all are; null while enumerating. */
  total: number | null;
  failed: number;
  firstItemError: ErrorInfo | null;
}

/**
 * The failure that stops a job whose failed items reached its maxFailures: for failFast (1), the
 * failed item's own error; else how many failed, and the first's message. null while it goes on.
 */
export function maxFailuresFailure(job: FailureCount): ErrorInfo | null {
  const limit = failureLimit(job.maxFailures, job.total);
  if (limit === null || job.failed < limit) return null;
  const first = job.firstItemError ?? { message: 'an item failed' };
  if (job.maxFailures === 1) return first;
  const counted = job.total === null ? `${job.failed} items` : `${job.failed} of ${job.total} items`;
  return {
    ...first,
    message: `${counted} failed, reaching maxFailures ${job.maxFailures}; first: ${first.message}`,
  };
}
