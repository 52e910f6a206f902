// A job's progress as every backend reports it: what the progress cells of the
// threads running its items show, and a rate and ETA smoothed over a few
// seconds, so the ETA does not jump with every batch. The BullMQ backend folds
// many workers' shares in a Redis script: it takes RATE_SMOOTHING from here.
import type { CellSample } from '../progress/cell-reader.js';

/** What the cells of a job's running batches show together. */
export interface CellShare {
  /** Items those batches finished. */
  completed: number;
  /** The running items' own fractions (done/total of each), summed. */
  partial: number;
  /** The latest word of a running item, or null. */
  message: string | null;
  /** Whether an item is running now: between items a cell is idle for a moment. */
  running: boolean;
  /** The running item's own done and total: a run's progress is in its own units (bytes, epochs). */
  itemDone: number;
  itemTotal: number | null;
}

/** Folds the cells of a job's batches, each read with the size of the batch it runs. */
export function shareOfCells(batches: Iterable<{ cell: CellSample; items: number }>): CellShare {
  const share: CellShare = {
    completed: 0,
    partial: 0,
    message: null,
    running: false,
    itemDone: 0,
    itemTotal: null,
  };
  for (const { cell, items } of batches) {
    // A cell counts past its batch only when reused for the next one before this read.
    share.completed += Math.min(cell.completed, items);
    if (cell.current < 0) continue;
    share.running = true;
    if (cell.total !== null && cell.total > 0) share.partial += Math.min(1, cell.done / cell.total);
    share.message = cell.message ?? share.message;
    share.itemDone = cell.done;
    share.itemTotal = cell.total;
  }
  return share;
}

/** 0..1 with running items' partial progress; 1 for a job with nothing to do; null while the total is unknown. */
export function fractionOf(done: number, partial: number, total: number | null): number | null {
  if (total === null) return null;
  return total > 0 ? Math.min(1, (done + partial) / total) : 1;
}

/** Samples closer than `minIntervalMs` are skipped; each new one weighs `weight` against the rate so far. */
export const RATE_SMOOTHING = { minIntervalMs: 250, weight: 0.3 } as const;

/** Units per second, smoothed: null until two samples far enough apart. */
export class RateMeter {
  private last = { at: 0, done: 0 };
  rate: number | null = null;

  /** Feeds one sample (`now` in ms, `done` units so far); returns the rate. */
  update(now: number, done: number): number | null {
    if (this.last.at === 0) {
      this.last = { at: now, done };
      return this.rate;
    }
    const elapsed = (now - this.last.at) / 1000;
    if (elapsed < RATE_SMOOTHING.minIntervalMs / 1000) return this.rate;
    const instant = Math.max(0, done - this.last.done) / elapsed;
    const { weight } = RATE_SMOOTHING;
    this.rate = this.rate === null ? instant : this.rate * (1 - weight) + instant * weight;
    this.last = { at: now, done };
    return this.rate;
  }
}

/** Seconds left at `rate`: 0 when all is done, null when neither the rate nor the total is known. */
export function etaOf(rate: number | null, done: number, total: number | null): number | null {
  if (rate && total !== null && rate > 0) return Math.max(0, (total - done) / rate);
  return total === done ? 0 : null;
}
