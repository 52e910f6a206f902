// The worker's side of a progress cell. `progress()` is on the innermost loop
// of user code: two plain stores into shared memory, never a message. Only a
// changed message takes the sequence lock, so the reader never sees it torn.
import { CancelledError } from '../protocol/errors.js';
import { type CellViews, F64, I32, MSG_BYTES, MSG_OFFSET } from './layout.js';

const encoder = new TextEncoder();

export class CellWriter {
  private lastMessage: string | undefined;
  private readonly messageBytes: Uint8Array;

  constructor(private readonly cell: CellViews) {
    this.messageBytes = cell.bytes.subarray(MSG_OFFSET, MSG_OFFSET + MSG_BYTES);
  }

  beginBatch(): void {
    Atomics.store(this.cell.i32, I32.COMPLETED, 0);
    Atomics.store(this.cell.i32, I32.CURRENT, -1);
  }

  beginItem(index: number): void {
    this.cell.f64[F64.DONE] = 0;
    this.cell.f64[F64.TOTAL] = Number.NaN;
    // Only the writer writes the message: when its last was empty, the cell's still is.
    if (this.lastMessage !== '') this.writeMessage('');
    Atomics.store(this.cell.i32, I32.CURRENT, index);
  }

  endItem(completed: number): void {
    Atomics.store(this.cell.i32, I32.COMPLETED, completed);
    Atomics.store(this.cell.i32, I32.CURRENT, -1);
  }

  progress(done: number, total?: number, message?: string): void {
    this.cell.f64[F64.DONE] = done;
    if (total !== undefined) this.cell.f64[F64.TOTAL] = total;
    // Comparing first keeps a repeated message (the common case) free of encoding work.
    if (message !== undefined && message !== this.lastMessage) this.writeMessage(message);
  }

  isCancelled(): boolean {
    return Atomics.load(this.cell.i32, I32.CANCEL) === 1;
  }

  throwIfCancelled(): void {
    if (Atomics.load(this.cell.i32, I32.CANCEL) === 1) throw new CancelledError();
  }

  private writeMessage(message: string): void {
    this.lastMessage = message;
    Atomics.add(this.cell.i32, I32.MSG_SEQ, 1);
    const { written } = encoder.encodeInto(message, this.messageBytes);
    this.cell.i32[I32.MSG_LEN] = written;
    Atomics.add(this.cell.i32, I32.MSG_SEQ, 1);
  }
}
