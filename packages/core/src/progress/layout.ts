// One progress cell per worker slot in a SharedArrayBuffer. The worker writes
// its running item's progress with plain stores; the engine samples the cells
// on a tick. Sampling beats messages: 1M postMessage calls cost about 2x the
// loop itself, 1M shared-memory stores cost nothing measurable (see bench/).
//
// Layout of one cell (CELL_BYTES):
//   Int32 [0] MSG_SEQ    odd while the worker is writing the message
//   Int32 [1] CANCEL     1: the engine cancelled the batch in this slot; i + 2: item i timed out
//   Int32 [2] CURRENT    index within the batch of the running item, -1 when idle
//   Int32 [3] COMPLETED  items of the batch finished so far
//   F64   [2] DONE       (byte 16)
//   F64   [3] TOTAL      (byte 24), NaN when unknown
//   Int32 [8] MSG_LEN    (byte 32)
//   Int32 [9] DOORBELL   bumped by the engine after it posts a batch (see pool/batch-channel.ts)
//   F64   [5] STARTED    (byte 40) when the running item began (Date.now()), in a batch with a timeout
//   bytes 48.. message, UTF-8, truncated to MSG_BYTES

export const CELL_BYTES = 512;
export const I32 = { MSG_SEQ: 0, CANCEL: 1, CURRENT: 2, COMPLETED: 3, MSG_LEN: 8, DOORBELL: 9 } as const;
export const F64 = { DONE: 2, TOTAL: 3, STARTED: 5 } as const;
export const MSG_OFFSET = 48;
/** CANCEL's value for the whole batch; item i's timeout is `i + TIMED_OUT_BASE`. */
export const CANCEL_BATCH = 1;
export const TIMED_OUT_BASE = 2;
export const MSG_BYTES = CELL_BYTES - MSG_OFFSET;

export interface CellViews {
  i32: Int32Array;
  f64: Float64Array;
  bytes: Uint8Array;
}

export function cellViews(buffer: SharedArrayBuffer, slot: number): CellViews {
  const offset = slot * CELL_BYTES;
  return {
    i32: new Int32Array(buffer, offset, CELL_BYTES / 4),
    f64: new Float64Array(buffer, offset, CELL_BYTES / 8),
    bytes: new Uint8Array(buffer, offset, CELL_BYTES),
  };
}

/** Marks item `index` timed out over no mark or a stale one, never over the batch's cancel. */
export function markTimedOut(cell: CellViews, index: number): void {
  const now = Atomics.load(cell.i32, I32.CANCEL);
  if (now !== CANCEL_BATCH) Atomics.compareExchange(cell.i32, I32.CANCEL, now, index + TIMED_OUT_BASE);
}
