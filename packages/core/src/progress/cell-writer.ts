// The worker's side of a progress cell. `progress()` is on the innermost loop
// of user code: a few stores into shared memory, never a message.
import { CancelledError } from '../protocol/errors.js';
import { type CellViews, F64, I32, MSG_BYTES, MSG_OFFSET } from './layout.js';

const encoder = new TextEncoder();

export class CellWriter {
  private lastMessage: string | undefined;

  constructor(private readonly cell: CellViews) {}

  beginItem(index: number): void {
    this.lock();
    this.cell.i32[I32.CURRENT] = index;
    this.cell.f64[F64.DONE] = 0;
    this.cell.f64[F64.TOTAL] = Number.NaN;
    this.cell.i32[I32.MSG_LEN] = 0;
    this.lastMessage = undefined;
    this.unlock();
  }

  endItem(completed: number): void {
    this.lock();
    this.cell.i32[I32.COMPLETED] = completed;
    this.cell.i32[I32.CURRENT] = -1;
    this.unlock();
  }

  resetBatch(): void {
    this.lock();
    this.cell.i32[I32.COMPLETED] = 0;
    this.cell.i32[I32.CURRENT] = -1;
    this.unlock();
  }

  progress(done: number, total?: number, message?: string): void {
    this.lock();
    this.cell.f64[F64.DONE] = done;
    if (total !== undefined) this.cell.f64[F64.TOTAL] = total;
    // Comparing first keeps a repeated message (the common case) free of encoding work.
    if (message !== undefined && message !== this.lastMessage) {
      this.lastMessage = message;
      const { written } = encoder.encodeInto(message, this.cell.bytes.subarray(MSG_OFFSET, MSG_OFFSET + MSG_BYTES));
      this.cell.i32[I32.MSG_LEN] = written;
    }
    this.unlock();
  }

  isCancelled(): boolean {
    return Atomics.load(this.cell.i32, I32.CANCEL) === 1;
  }

  throwIfCancelled(): void {
    if (Atomics.load(this.cell.i32, I32.CANCEL) === 1) throw new CancelledError();
  }

  private lock(): void {
    Atomics.add(this.cell.i32, I32.SEQ, 1);
  }

  private unlock(): void {
    Atomics.add(this.cell.i32, I32.SEQ, 1);
  }
}
