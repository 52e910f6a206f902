// The engine's one event stream: numbers each event, keeps the unwritten tail
// for the store, and serves subscribers a replay from the store followed by
// live events, with no gap and no repeat between the two.

import { PushStream } from '../client/push-stream.js';
import type { EventsOptions, JobEvent } from '../protocol/types.js';

/**
 * The stored events after `after`, oldest first, at most `limit`: what a replay reads. The engine
 * gives it, writing what it holds unwritten first, so the replay meets the live stream.
 */
export type History = (options: { jobId: string | undefined; after: number; limit: number }) => JobEvent[];

/** An event before the hub numbers it. */
export type NewEvent = JobEvent extends infer E
  ? E extends JobEvent
    ? Omit<E, 'seq' | 'at'>
    : never
  : never;

type Listener = (event: JobEvent) => void;

const REPLAY_PAGE = 500;

export class EventHub {
  private seq: number;
  private unwritten: JobEvent[] = [];
  private readonly listeners = new Set<Listener>();

  /** `lastSeq`: the last number the store holds, so numbering goes on from it. */
  constructor(
    lastSeq: number,
    private readonly history: History,
  ) {
    this.seq = lastSeq;
  }

  get subscriberCount(): number {
    return this.listeners.size;
  }

  emit(event: NewEvent): JobEvent {
    const numbered = { ...event, seq: ++this.seq, at: Date.now() } as JobEvent;
    this.unwritten.push(numbered);
    for (const listener of this.listeners) listener(numbered);
    return numbered;
  }

  /** Events the caller could not write go back, before any emitted since: the next write takes them. */
  putBack(events: JobEvent[]): void {
    this.unwritten = [...events, ...this.unwritten];
  }

  /** Hands the unwritten events to the caller (to write in its transaction). */
  takeUnwritten(): JobEvent[] {
    const events = this.unwritten;
    this.unwritten = [];
    return events;
  }

  async *events(options: EventsOptions = {}): AsyncGenerator<JobEvent> {
    const { jobId, signal } = options;
    const live = new PushStream<JobEvent>(signal);
    const listener: Listener = (event) => {
      if (jobId === undefined || event.jobId === jobId) live.push(event);
    };
    // Listen before reading the store: every event is then either in the store
    // (seq <= the last one replayed) or in the live stream, and `cursor` drops repeats.
    this.listeners.add(listener);
    try {
      let cursor = options.after ?? this.seq;
      if (options.after !== undefined) {
        const end = this.seq;
        replay: while (cursor < end && !signal?.aborted) {
          const page = this.history({ jobId, after: cursor, limit: REPLAY_PAGE });
          if (page.length === 0) break;
          // A long replay gives the event loop a turn between pages: many resuming readers must not
          // hold up the server (20 replays of a long history stalled /metrics for 14 s).
          if (cursor !== (options.after ?? 0)) await new Promise((resolve) => setImmediate(resolve));
          for (const event of page) {
            // Past the end: the replay is done. (Breaking only this page read the same page
            // again for ever when other jobs' events came last and a tick had stored this one's.)
            if (event.seq > end) break replay;
            cursor = event.seq;
            yield event;
          }
        }
        cursor = Math.max(cursor, end);
      }
      for await (const event of live) {
        if (event.seq <= cursor) continue;
        cursor = event.seq;
        yield event;
      }
    } finally {
      this.listeners.delete(listener);
    }
  }
}
