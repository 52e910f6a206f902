// Records the chunks of one job that end close together in one call. What a
// record costs Redis is mostly the call (a script's start, its reads of the
// job, the `items` event and its two XADDs), not its chunks, so a worker whose
// threads end chunks of one job every few hundred µs records them in twos and
// threes (bench measure 8). A chunk waits for its record at most BATCH_MS, and
// not at all when nothing else this worker runs could join it.
import type { RecordedItem, RedisStore } from '../store/store.js';

/** How long a chunk's record waits for others of its job. */
const BATCH_MS = 2;

interface Batch {
  chunks: { start: number; items: RecordedItem[] }[];
  waiters: { resolve: (complete: boolean) => void; reject: (error: unknown) => void }[];
  timer: NodeJS.Timeout | undefined;
}

export class RecordBatcher {
  private readonly batches = new Map<string, Batch>();
  /** Chunks waiting in a batch, of every job. */
  private waiting = 0;

  constructor(
    private readonly store: RedisStore,
    private readonly workerId: string,
    /** Chunks this worker holds now, recording or not: past the waiting ones, others may end soon. */
    private readonly held: () => number,
    /** A batch this big goes at once: one chunk per thread. */
    private readonly full: number,
  ) {}

  /** Records a chunk; resolves true for the one chunk whose record completed the job (it finishes it). */
  record(jobId: string, start: number, items: RecordedItem[]): Promise<boolean> {
    let batch = this.batches.get(jobId);
    if (!batch) {
      batch = { chunks: [], waiters: [], timer: undefined };
      this.batches.set(jobId, batch);
    }
    const done = new Promise<boolean>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    batch.chunks.push({ start, items });
    this.waiting++;
    if (batch.chunks.length >= this.full || this.held() <= this.waiting) this.flush(jobId, batch);
    else batch.timer ??= setTimeout(() => this.flush(jobId, batch), BATCH_MS);
    return done;
  }

  private flush(jobId: string, batch: Batch): void {
    clearTimeout(batch.timer);
    this.batches.delete(jobId);
    this.waiting -= batch.chunks.length;
    this.store.record(jobId, this.workerId, batch.chunks).then(
      ({ complete }) => {
        for (const [i, w] of batch.waiters.entries()) w.resolve(complete && i === 0);
      },
      (error: unknown) => {
        for (const w of batch.waiters) w.reject(error);
      },
    );
  }
}
