// The engine's side of a progress cell: a consistent snapshot under the
// worker's sequence lock, and the cancel flag.
import { type CellViews, F64, I32, MSG_OFFSET } from './layout.js';

export interface CellSample {
  seq: number;
  current: number;
  completed: number;
  done: number;
  total: number | null;
  message: string | null;
}

const decoder = new TextDecoder();

export function readCell(cell: CellViews): CellSample | undefined {
  // A writer holds the lock for a few stores; a handful of retries is plenty,
  // and a missed sample is simply taken on the next tick.
  for (let attempt = 0; attempt < 16; attempt++) {
    const before = Atomics.load(cell.i32, I32.SEQ);
    if (before & 1) continue;
    const current = cell.i32[I32.CURRENT]!;
    const completed = cell.i32[I32.COMPLETED]!;
    const done = cell.f64[F64.DONE]!;
    const total = cell.f64[F64.TOTAL]!;
    const len = cell.i32[I32.MSG_LEN]!;
    const message = len > 0 ? decoder.decode(cell.bytes.slice(MSG_OFFSET, MSG_OFFSET + len)) : null;
    if (Atomics.load(cell.i32, I32.SEQ) !== before) continue;
    return { seq: before, current, completed, done, total: Number.isNaN(total) ? null : total, message };
  }
  return undefined;
}

export function setCancel(cell: CellViews, cancelled: boolean): void {
  Atomics.store(cell.i32, I32.CANCEL, cancelled ? 1 : 0);
}
