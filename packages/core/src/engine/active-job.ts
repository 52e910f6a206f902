// The engine's working state for one job between `started` and `finished`:
// items waiting for a worker, batches in flight, outcomes so far, and the
// progress sampled from the cells of the slots running its batches.
import type { AnyJobDefinition } from '../job/define.js';
import type { Slot } from '../pool/pool.js';
import { type CellSample, readCell } from '../progress/cell-reader.js';
import type { ErrorInfo } from '../protocol/errors.js';
import type { JobSnapshot, Progress } from '../protocol/types.js';
import type { FinishingJob } from '../rules/final-state.js';
import type { PendingItem } from '../rules/item-events.js';

export interface Batch {
  slot: Slot;
  items: PendingItem[];
}

/** Batches aim at this much work, so tiny items are not one message each (see bench/dispatch). */
const TARGET_BATCH_MS = 15;
const MAX_BATCH = 2048;
/** Enumeration pauses when this many items wait, so a huge tree does not sit in memory. */
export const PENDING_HIGH_WATER = 20_000;

export class ActiveJob {
  readonly pending: PendingItem[] = [];
  readonly batches = new Set<Batch>();
  /** Results of succeeded items by index, for summarize. */
  readonly results: unknown[] = [];
  enumerated = 0;
  enumerationDone = false;
  readonly enumeration = new AbortController();
  /** Resolves a paused enumeration when pending drains below the high-water mark. */
  resumeEnumeration: (() => void) | undefined;
  cancel: { force: boolean; reason: string | null } | null = null;
  graceTimer: NodeJS.Timeout | undefined;
  failure: ErrorInfo | null = null;
  firstItemError: ErrorInfo | null = null;
  /** A run's cell as its call left it: its last progress report. */
  lastReport: CellSample | undefined;
  private avgItemMs: number | null = null;
  private lastSample = { at: 0, done: 0 };
  private rate: number | null = null;

  constructor(
    readonly snapshot: JobSnapshot,
    readonly definition: AnyJobDefinition,
    readonly moduleUrl: string,
    readonly input: unknown,
    readonly mode: 'process' | 'run',
  ) {}

  get finishedItems(): number {
    const { succeeded, failed, cancelled } = this.snapshot.items;
    return succeeded + failed + cancelled;
  }

  get isComplete(): boolean {
    return this.enumerationDone && this.pending.length === 0 && this.batches.size === 0;
  }

  /** What the final-state rule decides from, once the job is complete. */
  finishing(): FinishingJob {
    const { succeeded, failed, cancelled, total } = this.snapshot.items;
    return {
      mode: this.mode,
      input: this.input,
      definition: this.definition,
      total: total ?? this.enumerated,
      succeeded,
      failed,
      cancelled,
      results: () => this.results.filter((_, i) => i in this.results),
      cancelRequested: this.cancel !== null,
      failure: this.failure,
      firstItemError: this.firstItemError,
    };
  }

  /** How many items the next batch takes: about TARGET_BATCH_MS of work, one at first. */
  nextBatchSize(poolSize: number): number {
    let size = this.avgItemMs === null ? 1 : Math.round(TARGET_BATCH_MS / Math.max(this.avgItemMs, 0.0001));
    // Near the end, share what is left across the pool instead of one worker taking it all.
    if (this.enumerationDone) size = Math.min(size, Math.ceil(this.pending.length / poolSize));
    return Math.max(1, Math.min(MAX_BATCH, size));
  }

  recordItemTime(ms: number): void {
    this.avgItemMs = this.avgItemMs === null ? ms : this.avgItemMs * 0.8 + ms * 0.2;
  }

  /** Samples the job's cells; returns the new progress, or undefined when nothing a person would see changed. */
  sample(now: number): Progress | undefined {
    let done = this.finishedItems;
    let partial = 0;
    let message: string | null = null;
    let itemTotal: number | null = null;
    let itemDone = 0;
    let running = false;
    for (const batch of this.batches) {
      const cell = readCell(batch.slot.cell);
      done += Math.min(cell.completed, batch.items.length);
      if (cell.current >= 0) {
        running = true;
        if (cell.total !== null && cell.total > 0) partial += Math.min(1, cell.done / cell.total);
        message = cell.message ?? message;
        itemDone = cell.done;
        itemTotal = cell.total;
      }
    }
    const last = this.snapshot.progress;
    // Between items (a cell is idle for a moment), the last word stands.
    if (!running) message = last.message;
    let total: number | null = this.enumerationDone ? this.enumerated : null;
    let fraction: number | null = total ? Math.min(1, (done + partial) / total) : total === 0 ? 1 : null;
    if (this.mode === 'run') {
      // One long call: its own units are the progress (bytes, epochs), not "1 item".
      if (running) {
        done = itemDone;
        total = itemTotal;
        fraction = total ? Math.min(1, done / total) : null;
      } else if (this.batches.size > 0) {
        ({ done, total, fraction } = last);
      } else {
        // The call ended: its last report stands, complete if it succeeded; one call is one unit if it never reported.
        const ok = this.snapshot.items.succeeded > 0;
        const reportedDone = this.lastReport?.done ?? last.done;
        const reportedTotal = this.lastReport?.total ?? last.total;
        message = this.lastReport?.message ?? message;
        if (reportedDone === 0 && reportedTotal === null) {
          total = 1;
          done = ok ? 1 : 0;
        } else {
          total = reportedTotal ?? (ok ? reportedDone : null);
          done = ok && total !== null ? total : reportedDone;
        }
        fraction = ok ? 1 : total ? Math.min(1, done / total) : null;
      }
    }
    const previous = last;
    this.updateRate(now, done);
    const eta =
      this.rate && total !== null && this.rate > 0
        ? Math.max(0, (total - done) / this.rate)
        : total === done
          ? 0
          : null;
    const next: Progress = { done, total, fraction, rate: this.rate, eta, message };
    const changed =
      next.done !== previous.done ||
      next.total !== previous.total ||
      next.message !== previous.message ||
      Math.round((next.fraction ?? -1) * 1000) !== Math.round((previous.fraction ?? -1) * 1000);
    this.snapshot.progress = next;
    return changed ? next : undefined;
  }

  private updateRate(now: number, done: number): void {
    const elapsed = (now - this.lastSample.at) / 1000;
    if (this.lastSample.at === 0) {
      this.lastSample = { at: now, done };
      return;
    }
    if (elapsed < 0.25) return;
    const instant = Math.max(0, done - this.lastSample.done) / elapsed;
    // Smoothed over a few seconds, so the ETA does not jump with every batch.
    this.rate = this.rate === null ? instant : this.rate * 0.7 + instant * 0.3;
    this.lastSample = { at: now, done };
  }
}
