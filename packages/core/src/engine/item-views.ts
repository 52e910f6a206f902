// The engine's answers to `items()` and `timeline()`: what the store kept of a
// job's batches, with what only the engine knows of a running job (the items
// listed so far, the batches out on threads now).
import type { WorkerPool } from '../pool/pool.js';
import { NotFoundError } from '../protocol/errors.js';
import type { ItemPage, ItemQuery, JobSnapshot, Timeline, TimelineSpan } from '../protocol/types.js';
import { type ItemContext, MAX_SPANS, mergeSpans, timelineOf } from '../store/item-rows.js';
import type { Store } from '../store/store.js';
import type { ActiveJob } from './active-job.js';
import { indexAt } from './pending-queue.js';

/** The engine's state a view reads; it flushes the store first, so the store has every batch that ended. */
export interface ViewSource {
  store: Store;
  pool: WorkerPool;
  active: ReadonlyMap<string, ActiveJob>;
  get(jobId: string): Promise<JobSnapshot | undefined>;
}

async function jobOf(source: ViewSource, jobId: string): Promise<JobSnapshot> {
  const job = await source.get(jobId);
  if (!job) throw new NotFoundError(`no job with id ${jobId}`);
  return job;
}

export async function itemsOf(source: ViewSource, jobId: string, query: ItemQuery = {}): Promise<ItemPage> {
  const job = await jobOf(source, jobId);
  const active = source.active.get(jobId);
  const running = new Map<number, { thread: number; startedAt: number }>();
  for (const batch of active?.batches ?? []) {
    const at = { thread: batch.slot.index, startedAt: batch.startedAt };
    for (let i = 0; i < batch.items.length; i++) running.set(indexAt(batch, i), at);
  }
  const ended = job.finishedAt !== null && job.state !== 'interrupted';
  const context: ItemContext = {
    known: job.items.total ?? active?.enumerated ?? 0,
    unrecorded: ended ? 'cancelled' : 'pending',
    running,
  };
  return source.store.itemPage(jobId, query, context);
}

export async function timelineOfJob(source: ViewSource, jobId: string): Promise<Timeline> {
  const job = await jobOf(source, jobId);
  const stored = source.store.batchSpans(jobId);
  const active = source.active.get(jobId);
  if (!active || active.batches.size === 0) return timelineOf(stored, source.pool.size, job);
  // Batches out now are open spans: a straggler shows as it runs, not only once it ends.
  const running = [...active.batches].map((batch): TimelineSpan => {
    const count = batch.items.length;
    return {
      thread: batch.slot.index,
      start: batch.startedAt,
      end: null,
      items: count,
      first: indexAt(batch, 0),
      last: indexAt(batch, count - 1),
      succeeded: 0,
      failed: 0,
      cancelled: 0,
      batches: 1,
    };
  });
  const all = mergeSpans([...stored.spans, ...running], MAX_SPANS);
  return timelineOf({ spans: all.spans, merged: stored.merged || all.merged }, source.pool.size, job);
}
