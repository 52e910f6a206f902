// Pages of the store's events for connections further back than the frame log,
// read and serialized once for all of them: a page covers a fixed range of seqs,
// so connections whose cursors fall in the same range share it (500 lagging
// readers each reading and serializing their own replay spent 50 s of a 60,000-item
// job's CPU in SQLite and JSON.stringify, bench measure 12).
import type { JobClient, JobEvent } from '@threadline/core';
import type { LoggedFrame } from './frame-log.js';
import { eventFrame } from './frames.js';

/** Seqs a page covers. */
const PAGE_SEQS = 256;
/** Pages kept: a few hundred KB, enough for readers that lag together. */
const KEPT = 16;
/** A store replay that yields nothing for this long has given all it holds (it is waiting for live events). */
const QUIET_MS = 20;

export interface StorePage {
  /** The events in the page's range, oldest first, as frames (progress superseded within the page marked). */
  frames: LoggedFrame[];
  /** The last seq of the range; the store holds every event of the range when `complete`. */
  end: number;
  complete: boolean;
  /** The broadcast's newest seq when the read began: the store held every event up to it. */
  known: number | undefined;
  /** The first seq past the range the read came to (of this job, when filtered): nothing lies between. */
  next: number | undefined;
}

export class StorePages {
  private readonly kept = new Map<string, Promise<StorePage>>();

  /** `lastSeq`: the newest seq the live stream has seen; `signal`: ends every read (the stream closed). */
  constructor(
    private readonly client: JobClient,
    private readonly lastSeq: () => number | undefined,
    private readonly signal: AbortSignal,
  ) {}

  /** The page of `jobId`'s events (or all) whose range holds `after + 1`. */
  get(jobId: string | undefined, after: number): Promise<StorePage> {
    const start = after - (after % PAGE_SEQS);
    const key = `${jobId ?? ''}:${start}`;
    const kept = this.kept.get(key);
    if (kept) {
      // Most recently used last: the map's order is the eviction order.
      this.kept.delete(key);
      this.kept.set(key, kept);
      return kept;
    }
    const page = this.read(jobId, start);
    this.kept.set(key, page);
    if (this.kept.size > KEPT) this.kept.delete(this.kept.keys().next().value!);
    // Only a whole range can serve the next reader; a failed or partial read is read again.
    page.then(
      (read) => {
        if (!read.complete) this.kept.delete(key);
      },
      () => this.kept.delete(key),
    );
    return page;
  }

  private async read(jobId: string | undefined, start: number): Promise<StorePage> {
    const end = start + PAGE_SEQS;
    // Seen before reading: everything up to it is in the store (the broadcast hears of an event after the store's hub).
    const known = this.lastSeq();
    const { signal } = this;
    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const iterator = this.client
      .events({ ...(jobId !== undefined ? { jobId } : {}), after: start, signal: stop.signal })
      [Symbol.asyncIterator]();
    const events: JobEvent[] = [];
    let complete = false;
    let next: number | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      for (;;) {
        const quiet = new Promise<undefined>((resolve) => {
          timer = setTimeout(() => resolve(undefined), QUIET_MS);
        });
        const result = await Promise.race([iterator.next(), quiet]);
        clearTimeout(timer);
        if (result === undefined || result.done) break;
        if (result.value.seq > end) {
          complete = true;
          next = result.value.seq;
          break;
        }
        events.push(result.value);
        if (result.value.seq === end) {
          complete = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      stop.abort();
      signal.removeEventListener('abort', onAbort);
      void iterator.return?.(undefined)?.catch(() => {});
    }
    const latest = new Map<string, number>();
    for (const event of events) if (event.type === 'progress') latest.set(event.jobId, event.seq);
    const frames = events.map((event) => ({
      seq: event.seq,
      jobId: event.jobId,
      bytes: Buffer.from(eventFrame(event)),
      superseded: event.type === 'progress' && latest.get(event.jobId) !== event.seq,
    }));
    return { frames, end, complete, known, next };
  }
}
