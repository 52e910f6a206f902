// One subscription to the client's live events, shared by every SSE
// connection: each event is serialized and encoded once (into the frame log),
// and the frames of one event-loop turn go to each listener as one batch, so a
// connection costs one write per turn, not one per event (1,000 streams each
// running their own generator saturated the main thread, bench measure 7; 500
// stalled readers re-serializing their backlog took a 3 s job to 16 s, measure 12).
import type { JobClient } from '@threadline/core';
import { FrameLog, type LoggedFrame, type Page } from './frame-log.js';

/** The frames of one turn, oldest first. */
export class Batch {
  private readonly shared = new Map<string | undefined, Buffer>();

  /** The frames' bytes, together. */
  readonly bytes: number;

  constructor(readonly frames: readonly LoggedFrame[]) {
    this.bytes = frames.reduce((sum, frame) => sum + frame.bytes.length, 0);
  }

  get first(): number {
    return this.frames[0]!.seq;
  }

  get last(): number {
    return this.frames.at(-1)!.seq;
  }

  /**
   * The bytes of the frames after `after` (of `jobId`'s job, or all). Connections that ask the
   * same (every live one of a kind) share one buffer; a progress sample with a later one of the
   * same job in the batch is left out, as the later one goes in the same write.
   */
  bytesFor(jobId: string | undefined, after: number): Buffer {
    const whole = after < this.first;
    if (whole) {
      const cached = this.shared.get(jobId);
      if (cached) return cached;
    }
    const parts: Buffer[] = [];
    for (const frame of this.frames) {
      if (frame.seq <= after || frame.superseded) continue;
      if (jobId === undefined || frame.jobId === jobId) parts.push(frame.bytes);
    }
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    if (whole) this.shared.set(jobId, bytes);
    return bytes;
  }
}

export interface BroadcastListener {
  /** Called once a turn, in seq order, with the turn's frames. */
  deliver(batch: Batch): void;
  /** A batch for it was let go of before it got it: it must catch up from its cursor. */
  fallBehind(missed: Batch): void;
  /** The live stream ended (the client closed): the listener must end too. */
  end(): void;
}

/** The longest a turn gives to writing batches. */
const SLICE_MS = 10;
/** Bytes of batches waiting to be written, past which the oldest is let go of. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export class EventBroadcast {
  private readonly listeners = new Set<BroadcastListener>();
  private readonly stop = new AbortController();
  private readonly log: FrameLog;
  private pending: LoggedFrame[] = [];
  private flushing = false;
  private ended = false;
  /** Batches not yet given to every listener, oldest first, and how far the oldest has got. */
  private readonly queue: { batch: Batch; to: BroadcastListener[]; next: number }[] = [];
  private delivering = false;
  private queuedBytes = 0;

  /** `logBytes`: how much of the recent stream a lagging connection can catch up from without the store. */
  constructor(
    client: JobClient,
    logBytes: number,
    private readonly beforeTurn: () => void = () => {},
  ) {
    this.log = new FrameLog(logBytes);
    // Subscribe now, not with the first listener: a listener that joins is
    // live from that moment, never behind a subscription still starting.
    void this.follow(client);
  }

  get size(): number {
    return this.listeners.size;
  }

  /** The newest seq the broadcast has, delivered or about to be. */
  get lastSeq(): number | undefined {
    return this.log.lastSeq;
  }

  /** What a connection behind at `after` takes next from the log; undefined once the log has let go of it. */
  page(
    after: number,
    jobId: string | undefined,
    maxBytes: number,
    latestProgress: boolean,
  ): Page | undefined {
    return this.log.after(after, jobId, maxBytes, latestProgress);
  }

  add(listener: BroadcastListener): void {
    if (this.ended) listener.end();
    else this.listeners.add(listener);
  }

  delete(listener: BroadcastListener): void {
    this.listeners.delete(listener);
  }

  close(): void {
    this.stop.abort();
  }

  private flush = (): void => {
    this.flushing = false;
    if (this.pending.length === 0) return;
    const batch = new Batch(this.pending);
    this.queue.push({ batch, to: [...this.listeners], next: 0 });
    this.queuedBytes += batch.bytes;
    this.pending = [];
    // Writing is this far behind the events: the listeners still waiting for the oldest batches
    // catch up from the log instead, and the queue's memory stays bounded whatever the job's length.
    while (this.queuedBytes > MAX_QUEUED_BYTES && this.queue.length > 1) {
      const oldest = this.queue.shift()!;
      this.queuedBytes -= oldest.batch.bytes;
      for (let i = oldest.next; i < oldest.to.length; i++) oldest.to[i]!.fallBehind(oldest.batch);
    }
    if (!this.delivering) this.deliver();
  };

  /**
   * Gives the queued batches to their listeners, in order, for at most SLICE_MS a turn: a batch
   * of a fast job written to 500 sockets is ~100 MB of copies, which in one turn held /metrics
   * for seconds. A listener gets batch n+1 only after batch n, whatever turn each goes in.
   */
  private deliver = (): void => {
    this.delivering = false;
    const started = performance.now();
    this.beforeTurn();
    while (this.queue.length > 0) {
      const turn = this.queue[0]!;
      while (turn.next < turn.to.length) {
        const listener = turn.to[turn.next++]!;
        if (this.listeners.has(listener)) listener.deliver(turn.batch);
        if ((turn.next & 15) === 0 && performance.now() - started > SLICE_MS) {
          this.delivering = true;
          setImmediate(this.deliver);
          return;
        }
      }
      this.queuedBytes -= this.queue.shift()!.batch.bytes;
    }
  };

  private async follow(client: JobClient): Promise<void> {
    try {
      for await (const event of client.events({ signal: this.stop.signal })) {
        this.pending.push(this.log.append(event));
        if (!this.flushing) {
          this.flushing = true;
          setImmediate(this.flush);
        }
      }
    } catch {
      // The client failed or closed: ending every stream makes its clients reconnect and resume.
    } finally {
      this.flush();
      while (this.queue.length > 0) this.deliver();
      this.ended = true;
      for (const listener of this.listeners) listener.end();
      this.listeners.clear();
    }
  }
}
