// Where a batch's items stand in their job, as a batch carries it to its worker
// (BatchRequest.indexes): filled the same way by every backend, so ctx.index and
// ctx.itemKey read the same in-process and over BullMQ.
import type { BatchRequest } from '../pool/messages.js';
import type { PendingItem } from './item-events.js';

/** A batch's `indexes` for these items: the first's alone when they are consecutive, else each one's. */
export function batchIndexes(pending: readonly PendingItem[]): Pick<BatchRequest, 'indexes'> {
  if (pending.length === 0) return {};
  const first = pending[0]!.index;
  for (let i = 1; i < pending.length; i++) {
    if (pending[i]!.index !== first + i) return { indexes: pending.map((p) => p.index) };
  }
  return { indexes: first };
}
