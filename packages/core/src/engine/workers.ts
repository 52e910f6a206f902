// The engine's answer to `workers()`: each thread of the pool, with the item it
// runs now (read from its progress cell, so asking costs the threads nothing).
import { hostname } from 'node:os';
import type { WorkerPool } from '../pool/pool.js';
import { readCell } from '../progress/cell-reader.js';
import type { RunningWork, WorkersView } from '../protocol/types.js';
import type { ActiveJob } from './active-job.js';
import { indexAt } from './pending-queue.js';

export function engineWorkers(pool: WorkerPool, jobs: Iterable<ActiveJob>, startedAt: number): WorkersView {
  const running = new Map<number, RunningWork>();
  for (const job of jobs) {
    for (const batch of job.batches) {
      const cell = readCell(batch.slot.cell);
      running.set(batch.slot.index, {
        jobId: job.snapshot.id,
        name: job.snapshot.name,
        index: cell.current >= 0 && cell.current < batch.items.length ? indexAt(batch, cell.current) : null,
        first: indexAt(batch, 0),
        items: batch.items.length,
        done: Math.min(cell.completed, batch.items.length),
      });
    }
  }
  const host = hostname();
  const now = Date.now();
  return {
    workers: pool.slots.map((slot) => {
      const work = running.get(slot.index);
      return {
        id: `thread-${slot.index + 1}`,
        kind: 'thread',
        host,
        pid: process.pid,
        threads: 1,
        running: work ? [work] : [],
        // Its batch's items done so far too: a batch of many is counted at its end.
        itemsDone: slot.itemsDone + (work?.done ?? 0),
        startedAt,
        seenAt: now,
      };
    }),
    queue: null,
  };
}
