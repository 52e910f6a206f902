// Hands batches of pending items to idle slots, round-robin across running
// jobs, and turns each batch's outcome into item events. A worker that died
// under a batch fails only the item it held; the items after it go back to
// the front of the queue (or are cancelled, when the job is being cancelled).
import type { BatchOutcome, WorkerPool } from '../pool/pool.js';
import { toErrorInfo } from '../protocol/errors.js';
import type { ItemEvent, ItemOutcome } from '../protocol/types.js';
import type { ActiveJob, Batch, PendingItem } from './active-job.js';

type NewItemEvent = Omit<ItemEvent, 'seq' | 'at'>;

export interface DispatchHooks {
  itemsDone(job: ActiveJob, events: NewItemEvent[]): void;
  batchFinished(job: ActiveJob): void;
}

/** A short name for an item in a list of outcomes: the item itself, or its path/name/url. */
export function itemLabel(item: unknown): string | null {
  if (typeof item === 'string') return item.slice(0, 200);
  if (typeof item === 'number') return String(item);
  if (item && typeof item === 'object') {
    for (const key of ['label', 'path', 'name', 'url', 'file', 'id'] as const) {
      const value = (item as Record<string, unknown>)[key];
      if (typeof value === 'string' || typeof value === 'number') return String(value).slice(0, 200);
    }
  }
  return null;
}

export class Dispatcher {
  private turn = 0;

  constructor(
    private readonly pool: WorkerPool,
    private readonly hooks: DispatchHooks,
  ) {}

  pump(jobs: Iterable<ActiveJob>): void {
    const ready = [...jobs].filter((job) => job.pending.length > 0 && !job.cancel);
    while (ready.length > 0) {
      const slot = this.pool.idleSlot();
      if (!slot) return;
      const index = this.turn++ % ready.length;
      const job = ready[index]!;
      const items = job.pending.splice(0, job.nextBatchSize(this.pool.size));
      if (job.pending.length === 0) ready.splice(index, 1);
      void this.run(job, { slot, items });
    }
  }

  private async run(job: ActiveJob, batch: Batch): Promise<void> {
    job.batches.add(batch);
    const outcome = await batch.slot.run({
      jobId: job.snapshot.id,
      moduleUrl: job.moduleUrl,
      input: job.input,
      mode: job.mode,
      items: job.mode === 'run' ? [null] : batch.items.map((p) => p.item),
    });
    job.batches.delete(batch);
    this.hooks.itemsDone(job, this.outcomeEvents(job, batch.items, outcome));
    this.hooks.batchFinished(job);
  }

  private outcomeEvents(job: ActiveJob, items: PendingItem[], outcome: BatchOutcome): NewItemEvent[] {
    const jobId = job.snapshot.id;
    const event = (
      p: PendingItem,
      outcome: ItemOutcome,
      ms: number,
      error: ItemEvent['error'] = null,
    ): NewItemEvent => ({
      type: 'item',
      jobId,
      index: p.index,
      outcome,
      label: job.mode === 'run' ? null : itemLabel(p.item),
      error,
      ms: Math.round(ms * 100) / 100,
    });
    if (outcome.kind === 'done') {
      if (job.mode === 'run') job.lastReport = outcome.last;
      return outcome.results.map((result, i) => {
        const p = items[i]!;
        if (result.outcome === 'succeeded') {
          job.results[p.index] = result.result;
          job.recordItemTime(result.ms);
        }
        return event(p, result.outcome, result.ms, result.error ?? null);
      });
    }
    if (outcome.kind === 'error') {
      // The batch itself failed (a module that does not load, a result that cannot be cloned): every item fails.
      return items.map((p) => event(p, 'failed', 0, outcome.error));
    }
    // The worker died: what it finished stands (its results are lost with it), the item it held
    // is cancelled or failed, and the rest go back to the queue unless the job is stopping.
    const events: NewItemEvent[] = [];
    items.forEach((p, i) => {
      if (i < outcome.completed) events.push(event(p, 'succeeded', 0));
      else if (i === outcome.completed) {
        events.push(
          job.cancel ? event(p, 'cancelled', 0) : event(p, 'failed', 0, toErrorInfo(outcome.error)),
        );
      }
    });
    const rest = items.slice(outcome.completed + 1);
    if (job.cancel) events.push(...rest.map((p) => event(p, 'cancelled', 0)));
    else job.pending.unshift(...rest);
    return events;
  }
}
