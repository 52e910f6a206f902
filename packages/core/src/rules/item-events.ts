// A batch's outcome as item events, the same on every backend: which items
// succeeded, failed or were cancelled, each named by a short label. A thread
// that died under a batch fails only the item it held (cancels it, when the job
// is stopping); the items after it run again, or are cancelled when it stops.
import type { BatchOutcome } from '../pool/pool.js';
import { type ErrorInfo, toErrorInfo } from '../protocol/errors.js';
import type { ItemEvent, ItemOutcome } from '../protocol/types.js';

/** An item waiting for, or out on, a thread: its index in the job and the item itself. */
export interface PendingItem {
  index: number;
  item: unknown;
}

/** An item event before its backend numbers (`seq`) and stamps (`at`) it. */
export type NewItemEvent = Omit<ItemEvent, 'seq' | 'at'>;

/** The job an event is of. A run's one "item" is its input: no label. */
export interface EventJob {
  id: string;
  mode: 'process' | 'run';
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

export function itemEvent(
  job: EventJob,
  pending: PendingItem,
  outcome: ItemOutcome,
  ms: number,
  error: ErrorInfo | null = null,
): NewItemEvent {
  return {
    type: 'item',
    jobId: job.id,
    index: pending.index,
    outcome,
    label: job.mode === 'run' ? null : itemLabel(pending.item),
    error,
    // Hundredths of a millisecond: finer is noise, and the events are stored.
    ms: Math.round(ms * 100) / 100,
  };
}

/** One item's outcome; `returned` when its thread handed back a result (one that died loses them). */
export interface SettledItem {
  pending: PendingItem;
  event: NewItemEvent;
  returned?: { value: unknown; ms: number };
}

/** What a batch settled, in item order, and the items to run again. */
export interface SettledBatch {
  settled: SettledItem[];
  rerun: PendingItem[];
}

/** The events of a batch's outcome; `stopping` when the job is being cancelled. */
export function settleBatch(
  job: EventJob,
  items: readonly PendingItem[],
  outcome: BatchOutcome,
  stopping: boolean,
): SettledBatch {
  const settle = (pending: PendingItem, outcome: ItemOutcome, error: ErrorInfo | null = null) => ({
    pending,
    event: itemEvent(job, pending, outcome, 0, error),
  });
  if (outcome.kind === 'done') {
    const settled = outcome.results.map((result, i): SettledItem => {
      const pending = items[i]!;
      const event = itemEvent(job, pending, result.outcome, result.ms, result.error ?? null);
      if (result.outcome !== 'succeeded') return { pending, event };
      return { pending, event, returned: { value: result.result, ms: result.ms } };
    });
    return { settled, rerun: [] };
  }
  if (outcome.kind === 'error') {
    // The batch itself failed (a module that does not load, a result that cannot be cloned): every item fails.
    return { settled: items.map((p) => settle(p, 'failed', outcome.error)), rerun: [] };
  }
  // The thread died: what it finished stands (its results are lost with it), the item it held
  // is cancelled or failed, and the rest run again unless the job is stopping.
  const held = items[outcome.completed];
  const settled = items.slice(0, outcome.completed).map((p) => settle(p, 'succeeded'));
  if (held)
    settled.push(stopping ? settle(held, 'cancelled') : settle(held, 'failed', toErrorInfo(outcome.error)));
  const rest = items.slice(outcome.completed + 1);
  if (stopping) return { settled: [...settled, ...rest.map((p) => settle(p, 'cancelled'))], rerun: [] };
  return { settled, rerun: rest };
}
