// The engine's side of a progress cell: a sample of the running item, and the
// cancel flag.
import { type CellViews, F64, I32, MSG_OFFSET } from './layout.js';

export interface CellSample {
  /** Index within the batch of the running item, -1 between items. */
  current: number;
  /** Items of the batch finished so far. */
  completed: number;
  done: number;
  total: number | null;
  message: string | null;
}

const decoder = new TextDecoder();

export function readCell(cell: CellViews): CellSample {
  const current = Atomics.load(cell.i32, I32.CURRENT);
  const completed = Atomics.load(cell.i32, I32.COMPLETED);
  const done = cell.f64[F64.DONE]!;
  const total = cell.f64[F64.TOTAL]!;
  return { current, completed, done, total: Number.isNaN(total) ? null : total, message: readMessage(cell) };
}

function readMessage(cell: CellViews): string | null {
  // A writer holds the lock for one encode; a handful of retries is plenty,
  // and a missed message is simply read on the next tick.
  for (let attempt = 0; attempt < 16; attempt++) {
    const before = Atomics.load(cell.i32, I32.MSG_SEQ);
    if (before & 1) continue;
    const len = cell.i32[I32.MSG_LEN]!;
    const message = len > 0 ? decoder.decode(cell.bytes.slice(MSG_OFFSET, MSG_OFFSET + len)) : null;
    if (Atomics.load(cell.i32, I32.MSG_SEQ) === before) return message;
  }
  return null;
}

export function setCancel(cell: CellViews, cancelled: boolean): void {
  Atomics.store(cell.i32, I32.CANCEL, cancelled ? 1 : 0);
}

/** Clears a cell before a batch, so a sample taken before the worker begins reads "idle", not stale or zeroed memory. */
export function resetCell(cell: CellViews): void {
  Atomics.store(cell.i32, I32.CANCEL, 0);
  Atomics.store(cell.i32, I32.CURRENT, -1);
  Atomics.store(cell.i32, I32.COMPLETED, 0);
  cell.f64[F64.DONE] = 0;
  cell.f64[F64.TOTAL] = Number.NaN;
}
