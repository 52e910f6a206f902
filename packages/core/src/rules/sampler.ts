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

/**
 * Samples closer than `minIntervalMs` are skipped; the rate is an average over about the last
 * `tauMs` (an exponential one whose weight follows the time between samples), and over all the
 * time since the first item finished while that is shorter. Measured from the first finished item,
 * not the start: a pool starting its threads made "0.9/s, eta 3m32s" of a job 96 s from its end;
 * an average of instant rates per sample made a steady 5/s read ETA 17→13→18→13 s.
 */
export const RATE_SMOOTHING = { minIntervalMs: 250, tauMs: 5000 } as const;

/** Units per second, smoothed: null until two samples far enough apart after the first progress. */
export class RateMeter {
  private from = 0;
  private last = { at: 0, done: 0 };
  rate: number | null = null;

  /** Feeds one sample (`now` in ms, `done` units so far); returns the rate. */
  update(now: number, done: number): number | null {
    if (this.from === 0) {
      if (done <= 0) return this.rate;
      this.from = now;
      this.last = { at: now, done };
      return this.rate;
    }
    const dt = now - this.last.at;
    if (dt < RATE_SMOOTHING.minIntervalMs) return this.rate;
    const instant = (Math.max(0, done - this.last.done) * 1000) / dt;
    const weight = Math.max(1 - Math.exp(-dt / RATE_SMOOTHING.tauMs), dt / (now - this.from));
    this.rate = this.rate === null ? instant : this.rate + weight * (instant - this.rate);
    this.last = { at: now, done };
    return this.rate;
  }
}

/** Seconds left at `rate`: 0 when all is done, null when neither the rate nor the total is known. */
export function etaOf(rate: number | null, done: number, total: number | null): number | null {
  if (rate && total !== null && rate > 0) return Math.max(0, (total - done) / rate);
  return total === done ? 0 : null;
}
