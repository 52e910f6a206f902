// Watches the running item of a batch with a timeout, from the main thread
// (a CPU loop never lets its own thread's timer fire). An item past its
// timeout is marked timed out in the cell: its throwIfCancelled() throws, and
// the worker's own timer aborts its signal. If the same item still runs after
// the grace, the slot is told to terminate its thread, as a forced cancel does.
import { type CellViews, F64, I32, markTimedOut } from '../progress/layout.js';

/** How long the watchdog waits to look again when no item runs (the batch's module still loading). */
const IDLE_LOOK_MS = 100;

export class ItemWatchdog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly cell: CellViews,
    private readonly graceMs: number,
    /** The item marked timed out still runs after the grace. */
    private readonly onStuck: (timeoutMs: number) => void,
  ) {}

  /** A batch with a timeout was sent. */
  start(timeoutMs: number): void {
    this.look(timeoutMs, timeoutMs);
  }

  /** The batch settled. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private look(timeoutMs: number, delay: number): void {
    this.arm(delay, () => {
      const { index, startedAt } = this.runningItem();
      if (index < 0) return this.look(timeoutMs, Math.min(timeoutMs, IDLE_LOOK_MS));
      const left = startedAt + timeoutMs - Date.now();
      if (left > 0) return this.look(timeoutMs, left);
      markTimedOut(this.cell, index);
      this.arm(this.graceMs, () => {
        const now = this.runningItem();
        if (now.index !== index || now.startedAt !== startedAt) return this.look(timeoutMs, 0);
        this.timer = undefined;
        this.onStuck(timeoutMs);
      });
    });
  }

  private arm(delay: number, then: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(then, delay);
    this.timer.unref();
  }

  private runningItem(): { index: number; startedAt: number } {
    return { index: Atomics.load(this.cell.i32, I32.CURRENT), startedAt: this.cell.f64[F64.STARTED]! };
  }
}
