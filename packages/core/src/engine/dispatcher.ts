// Hands batches of pending items to idle slots, round-robin across running
// jobs, and hands each batch's item events (core's settleBatch rule) to the
// engine: results of items that succeeded are kept for summarize, and items
// a dead worker did not reach go back to the front of the queue.
import type { WorkerPool } from '../pool/pool.js';
import { type NewItemEvent, type PendingItem, settleBatch } from '../rules/item-events.js';
import { batchRows } from '../store/item-rows.js';
import type { ActiveJob, Batch } from './active-job.js';
import { indexAt } from './pending-queue.js';

export interface DispatchHooks {
  /** A batch's outcome: how many items succeeded (ActiveJob recorded them), and the others' events. */
  itemsDone(job: ActiveJob, succeeded: number, others: NewItemEvent[]): void;
  batchFinished(job: ActiveJob): void;
}

export class Dispatcher {
  private turn = 0;

  constructor(
    private readonly pool: WorkerPool,
    /** The engine's item timeout, for definitions without their own. */
    private readonly itemTimeoutMs: number | undefined,
    private readonly hooks: DispatchHooks,
  ) {}

  pump(jobs: Iterable<ActiveJob>): void {
    // The engine pumps once per enumerated item: with every slot busy (the usual case), that is all.
    if (!this.pool.idleSlot()) return;
    const ready = [...jobs].filter((job) => job.pending.length > 0 && !job.cancel);
    while (ready.length > 0) {
      const slot = this.pool.idleSlot();
      if (!slot) return;
      const index = this.turn++ % ready.length;
      const job = ready[index]!;
      const taken = job.pending.take(job.nextBatchSize(this.pool.size));
      if (job.pending.length === 0) ready.splice(index, 1);
      void this.run(job, { slot, ...taken, startedAt: Date.now() });
    }
  }

  private async run(job: ActiveJob, batch: Batch): Promise<void> {
    job.batches.add(batch);
    const itemTimeoutMs = job.definition.itemTimeoutMs ?? this.itemTimeoutMs;
    const request = {
      jobId: job.snapshot.id,
      moduleUrl: job.moduleUrl,
      input: job.input,
      mode: job.mode,
      items: job.mode === 'run' ? [null] : batch.items,
      // The queue knew as it cut the batch whether its items are consecutive: batchIndexes' encoding, no scan.
      indexes: batch.indices ?? batch.first,
      ...(itemTimeoutMs !== undefined ? { itemTimeoutMs } : {}),
    };
    // Without a summary, nobody reads an item's result: a batch that all succeeded comes back as a count.
    const outcome = job.keepsResults ? await batch.slot.run(request) : await batch.slot.runCounted(request);
    job.batches.delete(batch);
    const ran = { thread: batch.slot.index, startedAt: batch.startedAt, endedAt: Date.now() };
    if (outcome.kind === 'succeeded') {
      const count = batch.items.length;
      job.unwrittenBatches.push(
        ...batchRows(
          workOf(job, ran, outcome.ms),
          count,
          (i) => indexAt(batch, i),
          () => 'succeeded',
        ),
      );
      job.recordAllSucceeded(batch, outcome.ms);
      this.hooks.itemsDone(job, batch.items.length, []);
      this.hooks.batchFinished(job);
      return;
    }
    if (outcome.kind === 'done' && job.mode === 'run') job.lastReport = outcome.last;
    const of = { id: job.snapshot.id, mode: job.mode };
    const items = batch.items.map((item, i): PendingItem => ({ index: indexAt(batch, i), item }));
    const { settled, rerun } = settleBatch(of, items, outcome, job.stopping);
    // Without the items' own times (an error, a lost thread), the batch's wall time stands for them.
    const ms =
      outcome.kind === 'done' ? settled.reduce((sum, s) => sum + s.event.ms, 0) : ran.endedAt - ran.startedAt;
    job.unwrittenBatches.push(
      ...batchRows(
        workOf(job, ran, ms),
        settled.length,
        (i) => settled[i]!.pending.index,
        (i) => settled[i]!.event.outcome,
      ),
    );
    const others: NewItemEvent[] = [];
    let succeeded = 0;
    for (const { pending, event, returned } of settled) {
      if (event.outcome !== 'succeeded') {
        if (event.outcome === 'failed') job.recordFailed(pending.item);
        others.push(event);
        continue;
      }
      succeeded++;
      // A thread that died after some items finished lost their results: they succeeded all the same.
      job.recordSucceeded(pending.index, pending.item, returned?.value);
      if (returned) job.recordItemTime(returned.ms);
    }
    job.pending.unshift(...rerun);
    this.hooks.itemsDone(job, succeeded, others);
    this.hooks.batchFinished(job);
  }
}

/**
 * A batch's record. A thread's first batch of a job starts when its items did: before them, the
 * thread loaded the job's module (seconds for a big one), which would draw its first item as a
 * straggler on the timeline.
 */
function workOf(
  job: ActiveJob,
  ran: { thread: number; startedAt: number; endedAt: number },
  ms: number,
): { thread: number; startedAt: number; endedAt: number; ms: number } {
  if (job.threadsUsed.has(ran.thread)) return { ...ran, ms };
  job.threadsUsed.add(ran.thread);
  return { ...ran, startedAt: Math.max(ran.startedAt, Math.floor(ran.endedAt - ms)), ms };
}
