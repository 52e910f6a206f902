// Samples the progress cells of this worker's running chunks on a tick and
// sends each job's share to Redis only when it changed, where the progress
// script folds every worker's share into one `progress` event. As in-process,
// an item's ctx.progress() is a store into shared memory, never a message.
// The cells are read by core's rule (shareOfCells), as in-process.
import { type CellSample, readCell, shareOfCells } from '@threadline/core/internal';
import type { RedisStore } from '../store/store.js';
import type { ChunkRunner, RunningChunk } from './chunks.js';

interface Share {
  completed: number;
  partial: number;
  message: string | null;
}

export class ProgressReporter {
  private readonly sent = new Map<string, Share>();
  private sending = false;

  constructor(
    private readonly store: RedisStore,
    private readonly workerId: string,
    private readonly runner: ChunkRunner,
  ) {}

  /** One sample of every running chunk. Skipped while the previous one is still on its way (Redis away). */
  async tick(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      // Each job's chunks here, with the cells of those that are on a thread now.
      const cells = new Map<string, { cell: CellSample; items: number }[]>();
      const calls: Promise<void>[] = [];
      for (const chunk of this.runner.running) {
        const ofJob = cells.get(chunk.jobId) ?? [];
        cells.set(chunk.jobId, ofJob);
        if (!chunk.slot) continue;
        const sample = { cell: readCell(chunk.slot.cell), items: chunk.batch.length };
        ofJob.push(sample);
        calls.push(this.chunkProgress(chunk, sample));
      }
      const shares = new Map<string, Share>();
      for (const [jobId, ofJob] of cells) {
        const { completed, partial, message } = shareOfCells(ofJob);
        shares.set(jobId, { completed, partial, message });
      }
      // Jobs this worker reported on before: their share drops to nothing once their chunks are done.
      for (const jobId of [...this.sent.keys(), ...this.runner.recorded]) {
        if (!shares.has(jobId)) shares.set(jobId, { completed: 0, partial: 0, message: null });
      }
      const recorded = new Set(this.runner.recorded);
      this.runner.recorded.clear();
      for (const [jobId, share] of shares) {
        share.partial = Math.round(share.partial * 1000) / 1000;
        const previous = this.sent.get(jobId);
        const same =
          previous &&
          previous.completed === share.completed &&
          previous.partial === share.partial &&
          previous.message === share.message;
        // A recorded chunk cleared this worker's share in Redis: send it again even if unchanged here.
        if (same && !recorded.has(jobId)) continue;
        if (share.completed === 0 && share.partial === 0 && share.message === null) this.sent.delete(jobId);
        else this.sent.set(jobId, share);
        const message = share.message !== (previous?.message ?? null) ? share.message : undefined;
        calls.push(
          this.store.progress(jobId, this.workerId, { ...share, message }).then((reply) => {
            if (reply.state === 'cancelling') this.runner.cancelJob(jobId, reply.force);
            // Ended without this worker (a forced cancel ends a job at once) or gone: its items here are waste.
            else if (reply.state !== 'running') this.runner.cancelJob(jobId, true);
          }),
        );
      }
      await Promise.allSettled(calls);
    } finally {
      this.sending = false;
    }
  }

  /**
   * The chunk's own progress in BullMQ (job.updateProgress, a whole percentage of its items), so
   * BullMQ's tools show it; sent only when the percentage moved, so a short chunk costs nothing.
   */
  private async chunkProgress(chunk: RunningChunk, sample: { cell: CellSample; items: number }) {
    const { completed, partial } = shareOfCells([sample]);
    // A chunk that took others along on its thread shows their progress with its own.
    const size = chunk.items;
    const percent = Math.min(
      100,
      Math.floor((100 * (chunk.settled + completed + partial)) / Math.max(1, size)),
    );
    if (percent === chunk.percentSent) return;
    chunk.percentSent = percent;
    await chunk.bjob.updateProgress(percent);
  }
}
