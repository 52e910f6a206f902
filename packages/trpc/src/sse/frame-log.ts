// The recent live events as frame bytes, shared by every SSE connection: each
// event is serialized and encoded once, and a connection that fell behind
// catches up from here (no store read, no serialization of its own) as long as
// its cursor is still inside. Bounded by bytes, so it holds the same memory
// however long the job and however many connections lag.
import type { JobEvent } from '@threadline/core';
import { eventFrame } from './frames.js';

export interface LoggedFrame {
  readonly seq: number;
  readonly jobId: string;
  readonly bytes: Buffer;
  /** A later progress sample of the same job exists: a reader that fell behind skips this one. */
  superseded: boolean;
}

/** What a connection takes in one write: the frames' bytes and the seq they bring it to. */
export interface Page {
  bytes: Buffer;
  /** The last seq the page covers (taken or skipped); the connection's cursor after it. */
  last: number;
}

export class FrameLog {
  private frames: LoggedFrame[] = [];
  /** Index into `frames` of the oldest kept: dropping from the front is a move of this, compacted now and then. */
  private head = 0;
  private bytes = 0;
  private readonly lastProgress = new Map<string, LoggedFrame>();

  constructor(private readonly maxBytes: number) {}

  /** The seq of the newest frame, or undefined before the first. */
  get lastSeq(): number | undefined {
    return this.frames.at(-1)?.seq;
  }

  append(event: JobEvent): LoggedFrame {
    const frame: LoggedFrame = {
      seq: event.seq,
      jobId: event.jobId,
      bytes: Buffer.from(eventFrame(event)),
      superseded: false,
    };
    if (event.type === 'progress') {
      const previous = this.lastProgress.get(event.jobId);
      if (previous) previous.superseded = true;
      this.lastProgress.set(event.jobId, frame);
    } else if (event.type === 'finished') {
      this.lastProgress.delete(event.jobId);
    }
    this.frames.push(frame);
    this.bytes += frame.bytes.length;
    while (this.bytes > this.maxBytes && this.frames.length - this.head > 1) {
      const old = this.frames[this.head++]!;
      this.bytes -= old.bytes.length;
      if (this.lastProgress.get(old.jobId) === old) this.lastProgress.delete(old.jobId);
    }
    if (this.head > 4096 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head);
      this.head = 0;
    }
    return frame;
  }

  /**
   * The frames after `after` (of `jobId`'s job, or all), up to about `maxBytes`, superseded
   * progress left out if `latestProgress`; `undefined` when the log no longer holds the frame right after `after`
   * (the caller reads the store instead). An empty page means `after` is the log's newest.
   */
  after(
    after: number,
    jobId: string | undefined,
    maxBytes: number,
    latestProgress: boolean,
  ): Page | undefined {
    const first = this.frames[this.head];
    if (first === undefined || after + 1 < first.seq) return undefined;
    // Seqs in the log are contiguous, so the next frame's index is a subtraction.
    const start = this.head + (after + 1 - first.seq);
    if (start < this.frames.length && this.frames[start]!.seq !== after + 1) return undefined;
    const taken: Buffer[] = [];
    let size = 0;
    let last = after;
    for (let i = start; i < this.frames.length && size < maxBytes; i++) {
      const frame = this.frames[i]!;
      last = frame.seq;
      if ((latestProgress && frame.superseded) || (jobId !== undefined && frame.jobId !== jobId)) continue;
      taken.push(frame.bytes);
      size += frame.bytes.length;
    }
    return { bytes: taken.length === 1 ? taken[0]! : Buffer.concat(taken, size), last };
  }
}
