// The worker's side of a progress cell. `progress()` is on the innermost loop
// of user code: two plain stores into shared memory, never a message. Only a
// changed message takes the sequence lock, so the reader never sees it torn.
import { CancelledError } from '../protocol/errors.js';
import {
  CANCEL_BATCH,
  type CellViews,
  F64,
  I32,
  MSG_BYTES,
  MSG_OFFSET,
  markTimedOut,
  TIMED_OUT_BASE,
} from './layout.js';

const encoder = new TextEncoder();

export class CellWriter {
  private lastMessage: string | undefined;
  private readonly messageBytes: Uint8Array;
  /** The running item's index in its batch: throwIfCancelled() throws for its own timeout only. */
  private current = -1;
  /** The running batch has a timeout: only then can an item be marked timed out. */
  private timed = false;

  constructor(private readonly cell: CellViews) {
    this.messageBytes = cell.bytes.subarray(MSG_OFFSET, MSG_OFFSET + MSG_BYTES);
  }

  beginBatch(): void {
    Atomics.store(this.cell.i32, I32.COMPLETED, 0);
    Atomics.store(this.cell.i32, I32.CURRENT, -1);
  }

  /** `stamped`: the batch has a timeout, so the engine needs to know when the item began. */
  beginItem(index: number, stamped = false): void {
    this.current = index;
    this.timed = stamped;
    if (stamped) this.cell.f64[F64.STARTED] = Date.now();
    this.cell.f64[F64.DONE] = 0;
    this.cell.f64[F64.TOTAL] = Number.NaN;
    // Only the writer writes the message: when its last was empty, the cell's still is.
    if (this.lastMessage !== '') this.writeMessage('');
    Atomics.store(this.cell.i32, I32.CURRENT, index);
  }

  endItem(completed: number): void {
    // A timeout mark (this item's, or one the engine set as this item began) ends with the item.
    if (this.timed) {
      const mark = Atomics.load(this.cell.i32, I32.CANCEL);
      if (mark >= TIMED_OUT_BASE) Atomics.compareExchange(this.cell.i32, I32.CANCEL, mark, 0);
    }
    this.current = -1;
    Atomics.store(this.cell.i32, I32.COMPLETED, completed);
    Atomics.store(this.cell.i32, I32.CURRENT, -1);
  }

  progress(done: number, total?: number, message?: string): void {
    this.cell.f64[F64.DONE] = done;
    if (total !== undefined) this.cell.f64[F64.TOTAL] = total;
    // Comparing first keeps a repeated message (the common case) free of encoding work.
    if (message !== undefined && message !== this.lastMessage) this.writeMessage(message);
  }

  /** The batch was cancelled (not only an item timed out). */
  isCancelled(): boolean {
    return Atomics.load(this.cell.i32, I32.CANCEL) === CANCEL_BATCH;
  }

  /** Marks the running item timed out, unless its batch was cancelled. */
  markTimedOut(index: number): void {
    markTimedOut(this.cell, index);
  }

  timedOut(index: number): boolean {
    return Atomics.load(this.cell.i32, I32.CANCEL) === index + TIMED_OUT_BASE;
  }

  throwIfCancelled(): void {
    // One load and a compare with 0 on the usual path: this runs in the innermost loop.
    const cancel = Atomics.load(this.cell.i32, I32.CANCEL);
    if (cancel !== 0 && (cancel === CANCEL_BATCH || cancel === this.current + TIMED_OUT_BASE))
      throw new CancelledError();
  }

  private writeMessage(message: string): void {
    this.lastMessage = message;
    Atomics.add(this.cell.i32, I32.MSG_SEQ, 1);
    const { written } = encoder.encodeInto(message, this.messageBytes);
    this.cell.i32[I32.MSG_LEN] = written;
    Atomics.add(this.cell.i32, I32.MSG_SEQ, 1);
  }
}
