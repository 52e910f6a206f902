// A cancelled job's chunks still waiting on the items queue, removed at once
// rather than dropped one by one as workers reach them. Each job keeps at most
// a window of its items queued (worker/enumerate.ts), so the queue's waiting
// list, read whole here, is bounded by the running jobs' windows.
import type { Queue } from 'bullmq';

/** Removes the job's waiting chunks; returns how many went. Never-run items count as cancelled when it finishes. */
export async function removeQueuedChunks(items: Queue, jobId: string): Promise<number> {
  const prefix = `${jobId}-`;
  const ids = (await items.getRanges(['wait', 'prioritized', 'delayed'], 0, -1, true)).filter((id) =>
    id.startsWith(prefix),
  );
  let removed = 0;
  for (const id of ids) {
    // One a worker took meanwhile is locked and stays: that worker finds the job stopping and drops it.
    removed += await items.remove(id).catch(() => 0);
  }
  return removed;
}
