// The one place a job that ran gets its final state over BullMQ. Whoever sees
// a job become complete (the worker that recorded its last item, the one that
// stopped its enumeration, a client cancelling a job with nothing running)
// calls finishJob; the finish script lets only the first call count. For a
// run of a periodic job, that script also records the next run, queued here.
// What the final state is, is core's rule (finalState), as in-process.
import { type AnyJobDefinition, FINAL_STATES, finalState, type JobState, newId } from '@threadline/core';
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
  const results = await store.resultsJson(jobId);
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
  });
  const { next } = await store.finish(jobId, state, summary, error, newId('j_'));
  // Dying before this strands nothing: the next run waits in the handoff set for a worker's sweep.
  if (next) await runs.add(next.id, next.runAt);
}
