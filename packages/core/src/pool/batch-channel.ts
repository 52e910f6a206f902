// The hot path between the engine and a worker: batches go over a plain
// MessagePort, not a Comlink call, with a doorbell in the slot's cell. A
// worker that has just replied waits a moment on the doorbell and takes the
// next batch synchronously (piscina's `atomics: 'sync'` trick), so a stream of
// small jobs skips the worker's event-loop wake-up; Comlink's call machinery
// (a proxy, an id and a listener per call) was a third of a one-item round
// trip. Comlink still carries the rare calls (cancel).
import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { type CellViews, I32 } from '../progress/layout.js';
import type { BatchMessage } from './messages.js';

/** How long an idle worker waits for another batch before going back to its event loop (timers, leftovers). */
export const IDLE_WAIT_MS = 2;

/** Engine side: posts a batch, then rings the doorbell for a worker waiting on it. */
export function sendBatch(port: MessagePort, cell: CellViews, request: BatchMessage): void {
  port.postMessage(request);
  Atomics.add(cell.i32, I32.DOORBELL, 1);
  Atomics.notify(cell.i32, I32.DOORBELL, 1);
}

/** Worker side: the next batch if one arrives within `waitMs`, blocking the thread meanwhile. */
export function takeBatch(
  port: MessagePort,
  cell: CellViews,
  waitMs = IDLE_WAIT_MS,
): BatchMessage | undefined {
  const deadline = performance.now() + waitMs;
  for (;;) {
    // The doorbell is read before the port, so a batch posted after the check changes it and ends the wait at once.
    const rung = Atomics.load(cell.i32, I32.DOORBELL);
    const entry = receiveMessageOnPort(port);
    if (entry) return entry.message as BatchMessage;
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(cell.i32, I32.DOORBELL, rung, left) === 'timed-out') return undefined;
  }
}
