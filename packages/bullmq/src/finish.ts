// The one place a job that ran gets its final state over BullMQ. Whoever sees
// a job become complete (the worker that recorded its last item, the one that
// stopped its enumeration, a client cancelling a job with nothing running)
// calls finishJob; the finish script lets only the first call count. For a
// run of a periodic job, that script also records the next run, queued here.
import { type AnyJobDefinition, type ErrorInfo, type JobState, newId, toErrorInfo } from '@threadline/core';
import type { RunQueue } from './runs.js';
import type { RedisStore } from './store/store.js';

export async function finishJob(
  store: RedisStore,
  runs: RunQueue,
  jobId: string,
  definition: AnyJobDefinition | undefined,
): Promise<void> {
  const info = await store.finishInfo(jobId);
  if (!info || ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(info.state)) return;
  const total = info.enumerated;
  // Items that never got an outcome (dropped by a cancel or a failure) count as cancelled.
  const cancelled = info.cancelled + Math.max(0, total - info.succeeded - info.failed - info.cancelled);
  const counts = { total, succeeded: info.succeeded, failed: info.failed, cancelled };
  let summary: unknown = { ...counts };
  let error: ErrorInfo | null = info.failure;
  try {
    const results = await store.results(jobId);
    if (definition?.summarize) summary = definition.summarize(results, { input: info.input, ...counts });
    else if (info.mode === 'run') summary = results[0] ?? null;
  } catch (caught) {
    error ??= toErrorInfo(caught);
  }
  let state: JobState;
  if (info.cancelRequested && !info.failure) state = 'cancelled';
  else if (error) state = 'failed';
  else if (total > 0 && info.failed === total) {
    state = 'failed';
    const first = (await store.failures(jobId))[0]?.error ?? null;
    error = {
      ...first,
      message:
        total === 1 ? (first?.message ?? 'failed') : `all ${total} items failed; first: ${first?.message}`,
    };
  } else state = 'succeeded';
  const { next } = await store.finish(jobId, state, summary, error, newId('j_'));
  // Dying before this strands nothing: the next run waits in the handoff set for a worker's sweep.
  if (next) await runs.add(next.id, next.runAt);
}
