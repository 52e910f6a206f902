// One SSE response, flow-controlled. While its socket keeps up, a connection
// takes each turn's batch from the broadcast (one write, bytes shared with every
// other connection). Once more than its budget sits unsent in the server (or
// every stream together holds more than theirs), it is "behind": it takes no
// live frames and catches up from its cursor, a page at a time as the socket
// drains, from the broadcast's frame log (the same bytes) or, further back, from
// the store; then it is live again. One that fell behind gets a job's latest
// progress sample, not each it missed; one that resumes gets every event. A slow reader is never dropped and never loses an item failure or
// `finished`: it reads them later, and the server holds about its budget for it.
import type { ServerResponse } from 'node:http';
import type { Batch, BroadcastListener, EventBroadcast } from './broadcast.js';
import type { Page } from './frame-log.js';
import type { StorePages } from './store-pages.js';

/** What a catching-up connection writes at once: 500 of them writing a page a turn stay a few MB a turn. */
const PAGE_BYTES = 16 * 1024;

export interface ConnectionLimits {
  /** Bytes unsent in the server past which the connection stops taking live frames. */
  bufferBytes: number;
  /** Whether every stream together holds more unsent than their cap (as of the last turn). */
  crowded(): boolean;
}

export class Connection implements BroadcastListener {
  jobId: string | undefined;
  lastWrite = Date.now();
  /** The seq of the last event sent or passed over (or resumed after); undefined until the first batch. */
  private cursor: number | undefined;
  private catchingUp = false;
  /** Behind because it did not keep up (not because it resumed): it is given the latest progress only. */
  private lagging = false;
  private readonly closed = new AbortController();

  constructor(
    private readonly res: ServerResponse,
    private readonly broadcast: EventBroadcast,
    private readonly pages: StorePages,
    private readonly limits: ConnectionLimits,
  ) {
    res.once('close', () => this.closed.abort());
  }

  /** Bytes written to the response the socket has not taken yet. */
  get unsent(): number {
    return this.res.writableLength;
  }

  write(bytes: Buffer | string): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    this.lastWrite = Date.now();
    this.res.write(bytes);
    // Node corks the socket for a chunk's header, data and trailer, and writes them on the next
    // tick: out of the turn the broadcast times (500 writes then ran at once, after its slice).
    this.res.socket?.uncork();
  }

  deliver(batch: Batch): void {
    if (this.catchingUp) return;
    const after = this.cursor ?? batch.first - 1;
    this.cursor = after;
    if (after >= batch.last) return;
    if (this.overBudget()) {
      // This batch and what follows come from the log once the socket drains.
      this.lagging = true;
      void this.catchUp().catch(() => this.res.destroy());
      return;
    }
    const bytes = batch.bytesFor(this.jobId, after);
    this.cursor = batch.last;
    if (bytes.length > 0) this.write(bytes);
  }

  fallBehind(missed: Batch): void {
    this.cursor ??= missed.first - 1;
    this.lagging = true;
    void this.catchUp().catch(() => this.res.destroy());
  }

  end(): void {
    this.closed.abort();
    this.res.end();
  }

  /** Sends what followed `after`, then goes live; resolves when live (or closed). */
  resume(after: number): Promise<void> {
    this.cursor = after;
    return this.catchUp();
  }

  stopReplay(): void {
    this.closed.abort();
  }

  private overBudget(): boolean {
    const unsent = this.res.writableLength;
    return unsent > this.limits.bufferBytes || (unsent > 0 && this.limits.crowded());
  }

  private async catchUp(): Promise<void> {
    if (this.catchingUp) return;
    this.catchingUp = true;
    const { signal } = this.closed;
    try {
      while (!signal.aborted) {
        // A page a turn at most: many connections catching up at once must not hold up the server.
        if (this.overBudget()) await this.drained();
        else await new Promise((resolve) => setImmediate(resolve));
        if (signal.aborted) break;
        const after = this.cursor!;
        const page =
          this.broadcast.page(after, this.jobId, PAGE_BYTES, this.lagging) ?? (await this.fromStore(after));
        // Nothing after the cursor: every later event reaches deliver(), which sends it.
        if (page.last <= after) break;
        this.cursor = page.last;
        if (page.bytes.length > 0) this.write(page.bytes);
      }
    } finally {
      this.catchingUp = false;
      this.lagging = false;
    }
  }

  /** A page of what the store holds after `after`: for a connection further back than the frame log. */
  private async fromStore(after: number): Promise<Page> {
    const page = await this.pages.get(this.jobId, after);
    const taken: Buffer[] = [];
    let size = 0;
    let last = after;
    let whole = true;
    for (const frame of page.frames) {
      if (frame.seq <= after) continue;
      if (size >= PAGE_BYTES) {
        whole = false;
        break;
      }
      last = frame.seq;
      // Of several progress samples of a job, the latest is the one a reader that fell behind needs.
      if (this.lagging && frame.superseded) continue;
      taken.push(frame.bytes);
      size += frame.bytes.length;
    }
    // A sparse job's events far apart: straight to the one before the next it has.
    if (whole && page.complete) last = Math.max(last, page.next !== undefined ? page.next - 1 : page.end);
    // The store has nothing after `after` up to what the broadcast had seen: the log has what came since.
    else if (!page.complete && last === after && page.known !== undefined) last = Math.max(after, page.known);
    return { bytes: taken.length === 1 ? taken[0]! : Buffer.concat(taken, size), last };
  }

  /** Resolves when the socket has taken what it holds, or the connection closed. */
  private drained(): Promise<void> {
    if (this.res.writableLength === 0 || this.closed.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.closed.signal.removeEventListener('abort', done);
        resolve();
      };
      this.res.once('drain', done);
      this.closed.signal.addEventListener('abort', done, { once: true });
    });
  }
}
