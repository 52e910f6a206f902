// What a chunk's outcomes become: the records the store takes, and what BullMQ keeps
// of the chunk (its return value, or its failure), so its tools show it.
import type { EventJob, NewItemEvent, SettledItem } from '@threadline/core/internal';
import { itemEvent } from '@threadline/core/internal';
import { UnrecoverableError } from 'bullmq';
import type { RecordedItem } from '../store/store.js';

/** What a chunk ends with in BullMQ, so its tools show it: the counts of the outcomes it recorded. */
export interface ChunkResult {
  items: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/**
 * The chunk's result, or, when some of its items failed, an UnrecoverableError giving their
 * reasons: it ends failed in BullMQ (not retried: the outcomes are recorded), as its items did.
 */
export function chunkResult(items: number, outcomes: RecordedItem[]): ChunkResult {
  const result: ChunkResult = { items, succeeded: 0, failed: 0, cancelled: 0 };
  for (const { outcome } of outcomes) result[outcome]++;
  if (result.failed === 0) return result;
  const reasons = outcomes
    .filter((o) => o.outcome === 'failed')
    .slice(0, 3)
    .map(
      (o) =>
        `item ${o.index + 1}${o.event.label ? ` (${o.event.label})` : ''}: ${o.event.error?.message ?? 'failed'}`,
    );
  const more = result.failed > reasons.length ? `; and ${result.failed - reasons.length} more` : '';
  throw chunkFailure(
    `${result.failed} of ${items} items failed: ${reasons.join('; ')}${more}`.slice(0, 2000),
  );
}

/**
 * A chunk's failure as BullMQ keeps it (its failedReason and stacktrace, which bull-board shows):
 * the reason alone, without the frames of this worker's code, which say nothing of the items and
 * name paths on the worker's machine.
 */
export function chunkFailure(message: string): UnrecoverableError {
  const error = new UnrecoverableError(message);
  error.stack = `${error.name}: ${message}`;
  return error;
}

/** An item event as the record script takes it, with a succeeded item's result as JSON ('' otherwise). */
export const recorded = (event: NewItemEvent, result = ''): RecordedItem => ({
  index: event.index,
  outcome: event.outcome,
  result,
  event,
});

/** A settled item ready to record: a result that cannot be stored as JSON fails its item. */
export function storable(
  job: EventJob,
  { pending, event, returned }: SettledItem,
  keep: boolean,
): RecordedItem {
  if (!returned || !keep) return recorded(event);
  try {
    return recorded(event, JSON.stringify(returned.value ?? null));
  } catch (error) {
    const reason = `its result cannot be stored as JSON: ${(error as Error).message}`;
    return recorded(itemEvent(job, pending, 'failed', returned.ms, { message: reason }));
  }
}
