// The one place a job that ran gets its final state over BullMQ. Whoever sees
// a job become complete (the worker that recorded its last item, the one that
// stopped its enumeration, a client cancelling a job with nothing running)
// calls finishJob; the finish script lets only the first call count. For a
// run of a periodic job, that script also records the next run, queued here.
// What the final state is, is core's rule (finalState), as in-process.
import { type AnyJobDefinition, FINAL_STATES, type JobState } from '@threadline/core';
import { finalState, maxFailuresFailure, maxFailuresReason, newId } from '@threadline/core/internal';
import type { RunQueue } from './runs.js';
import type { RedisStore } from './store/store.js';

export async function finishJob(
  store: RedisStore,
  runs: RunQueue,
  jobId: string,
  definition: AnyJobDefinition | undefined,
): Promise<void> {
  const info = await store.finishInfo(jobId);
  if (!info || FINAL_STATES.includes(info.state as JobState)) return;
  // Results are read (in pages) only when something reads them: a summarize, or a run's one result.
  const results = definition?.summarize || info.mode === 'run' ? await store.resultsJson(jobId) : [];
  const { state, summary, error } = finalState({
    mode: info.mode,
    input: info.input,
    definition,
    total: info.enumerated,
    succeeded: info.succeeded,
    failed: info.failed,
    cancelled: info.cancelled,
    results: () => results.map((json) => JSON.parse(json) as unknown),
    cancelRequested: info.cancelRequested,
    failure: info.failure,
    firstItemError: info.firstItemError,
    maxFailures: info.maxFailures,
  });
  const { next } = await store.finish(jobId, info.scheduleId, state, summary, error, newId('j_'));
  // Dying before this strands nothing: the next run waits in the handoff set for a worker's sweep.
  if (next) await runs.add(next.id, next.runAt);
}

/**
 * Stops a job whose failed items reached its maxFailures (core's rule; failFast is 1): it turns
 * cancelling with the failure it ends with, every worker hears it, and it is finished here when
 * nothing of it is still out. Returns whether it stopped the job.
 */
export async function stopAtMaxFailures(
  store: RedisStore,
  runs: RunQueue,
  jobId: string,
  maxFailures: number | undefined,
  definition: AnyJobDefinition | undefined,
): Promise<boolean> {
  if (maxFailures === undefined) return false;
  const failure = maxFailuresFailure({ maxFailures, ...(await store.failureCounts(jobId)) });
  if (!failure) return false;
  const { complete } = await store.cancel(jobId, { reason: maxFailuresReason(maxFailures), failure });
  if (complete) await finishJob(store, runs, jobId, definition);
  return true;
}
