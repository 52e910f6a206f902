// How many chunks a worker takes per thread, and how many ride along on one
// thread in one message, by how long its chunks run on their thread: while
// they run short, a thread finds its next chunks fetched instead of waiting
// out the last one's round trips (a record, BullMQ's move to completed).

/** A chunk that runs on its thread for less than this is short: only then are chunks taken ahead or grouped. */
const SHORT_CHUNK_MS = 50;
/**
 * The work a worker holds ahead per thread while chunks run short: enough to cover a chunk's record
 * and BullMQ's move to completed (two round trips, a record waiting up to 2 ms for others of its
 * job). Also the most one thread is handed in one message.
 */
const AHEAD_MS = 10;
const MAX_PER_THREAD = 16;

/** Chunks a worker takes per thread (BullMQ's concurrency over its threads), by how long each runs on its thread. */
export function chunksPerThread(chunkMs: number): number {
  if (!(chunkMs < SHORT_CHUNK_MS)) return 1;
  return Math.min(MAX_PER_THREAD, Math.max(2, Math.ceil(AHEAD_MS / chunkMs)));
}

export class Pacing {
  /** How long a chunk runs on its thread, on average (a group's time over its chunks). */
  private chunkMs = Number.POSITIVE_INFINITY;
  private perThread = 1;
  /** Told how many chunks to take per thread as it changes: the items worker's concurrency. */
  onChange: (perThread: number) => void = () => {};

  get short(): boolean {
    return this.chunkMs < SHORT_CHUNK_MS;
  }

  /** How many waiting chunks may go along with one on its thread: as many as run in about AHEAD_MS. */
  get riders(): number {
    if (!this.short) return 0;
    return Math.max(0, Math.min(MAX_PER_THREAD - 1, Math.floor(AHEAD_MS / this.chunkMs) - 1));
  }

  /**
   * A chunk's time on its thread (Infinity: one taken ahead found no thread in time). Averaged, and
   * the concurrency moved only by a factor of two or to and from one per thread: every rise has
   * BullMQ fetch in moveToActive calls of their own, where a completion fetches the next chunk in
   * its own call (a concurrency that followed each chunk's time cost ~0.5 more scripts per chunk).
   */
  note(ms: number): void {
    this.chunkMs = Number.isFinite(ms) && Number.isFinite(this.chunkMs) ? 0.9 * this.chunkMs + 0.1 * ms : ms;
    const target = chunksPerThread(this.chunkMs);
    const now = this.perThread;
    if (target >= 2 * now || 2 * target <= now || (target === 1) !== (now === 1)) {
      this.perThread = target;
      this.onChange(target);
    }
  }
}
