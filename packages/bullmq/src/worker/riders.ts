// Chunks of one job that ride along on the thread of one that got it: one
// message and one batch for all, each still given (and recorded with) its own
// outcomes. The hand-off to a thread, a postMessage and the futex that wakes
// it, was ~100 µs of the main thread per chunk.
import type { PendingItem } from '@threadline/core/internal';
import type { RecordedItem } from '../store/store.js';
import type { RunningChunk } from './chunks.js';

/** A chunk waiting for a thread, as the one that may take it along sees it. */
export interface Rider {
  chunk: RunningChunk;
  start: number;
  items: unknown[];
  /** Taken: its chunk waits for the host's batch instead of a thread (chunk.ride). */
  board(): void;
  resolve(outcomes: RecordedItem[]): void;
  reject(error: unknown): void;
}

export function newRider(chunk: RunningChunk, start: number, items: unknown[]): Rider {
  let resolve!: Rider['resolve'];
  let reject!: Rider['reject'];
  const outcomes = new Promise<RecordedItem[]>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { chunk, start, items, resolve, reject, board: () => (chunk.ride = outcomes) };
}

/** The host's items, then each rider's. */
export function withRiders(own: PendingItem[], riders: Rider[]): PendingItem[] {
  const pending = [...own];
  for (const rider of riders) {
    for (let i = 0; i < rider.items.length; i++)
      pending.push({ index: rider.start + i, item: rider.items[i] });
  }
  return pending;
}

/**
 * Gives each rider the outcomes of its own items, and returns the host's. Riders of a host handed
 * back go back with it: their items were not all run.
 */
export function settleRiders(outcomes: RecordedItem[], riders: Rider[], handedBack: boolean): RecordedItem[] {
  const ofRider = riders.map(() => [] as RecordedItem[]);
  const mine: RecordedItem[] = [];
  for (const outcome of outcomes) {
    const at = riders.findIndex((r) => outcome.index >= r.start && outcome.index < r.start + r.items.length);
    (at < 0 ? mine : ofRider[at]!).push(outcome);
  }
  for (const [i, rider] of riders.entries()) {
    if (handedBack) rider.chunk.handedBack = true;
    rider.resolve(ofRider[i]!);
  }
  return mine;
}
