// Turns a started job into chunks on the items queue. Runs on a worker (not
// the client that started the job), so a client that goes away does not
// strand a job, and a worker killed mid-enumeration has its control job
// redelivered: chunk ids are `<job>-<first index>`, and chunk boundaries
// depend only on the index, so a second enumeration adds nothing twice.

import { setTimeout as sleep, setImmediate as turn } from 'node:timers/promises';
import { type AnyJobDefinition, type ErrorInfo, type JobRegistry, toErrorInfo } from '@threadline/core';
import type { Job, Queue } from 'bullmq';
import { asRedisError } from '../connection.js';
import { loadDefinition, type Resolver } from '../definitions.js';
import { finishJob, stopAtMaxFailures } from '../finish.js';
import { removeQueuedChunks } from '../queued-chunks.js';
import type { EnumerateData, RunQueue } from '../runs.js';
import { RETRY } from '../store/keys.js';
import type { RedisStore } from '../store/store.js';
import { chunkName } from './chunk-name.js';
import type { ChunkData } from './chunks.js';
import { handBack } from './hand-back.js';

/**
 * Items per chunk by the index of its first item: single items first, so a
 * short job spreads evenly across workers; larger chunks deep into a long job,
 * where one queue round trip per item would cost more than the item. Full size
 * from item 256 (41 chunks before it): each chunk costs Redis its BullMQ moves
 * and our record whatever its size (bench measure 8), and ramping to item 1,024
 * made a 20k-item job 755 chunks where 32 per chunk is 625.
 */
export function chunkSize(start: number, maxChunk: number): number {
  return Math.max(1, Math.min(maxChunk, Math.floor(start / 8)));
}

const FLUSH_CHUNKS = 32;
const FLUSH_MS = 100;
/**
 * Items of one job queued or running at most, whatever the deployment's size: its enumeration
 * waits for room past it, so a job started behind a long one has its first chunks queued behind
 * at most this many of the long one's items (a FIFO of every chunk made them wait for all of it),
 * and a cancelled job has at most this many to drop.
 */
const MIN_WINDOW = 2048;
/**
 * How often a waiting enumeration looks for room: 10 ms, small beside a window's worth of work,
 * doubling up to 250 ms while its job's items do not move (slow items need no fast polling).
 */
const ROOM_POLL_MS = 10;
const ROOM_POLL_MAX_MS = 250;
/**
 * Most time an enumeration holds the main thread between items: a sync items() (or an async one
 * without I/O) yields only microtasks, so BullMQ's lock renewal waits until the enumeration lets
 * the event loop turn, and this worker's chunks and control job would be taken for stalled.
 */
const TURN_MS = 20;
/** How long the deployment's thread count (from the workers' advertisements) is trusted. */
const THREADS_TTL_MS = 2000;

export class Enumerator {
  private readonly running = new Map<string, AbortController>();
  /** Past a stopping worker's deadline: enumerations stop, and go back to wait to start over elsewhere. */
  private handingBack = false;
  private threads: { count: number; at: number } | undefined;

  constructor(
    private readonly store: RedisStore,
    private readonly runs: RunQueue,
    private readonly items: Queue<ChunkData>,
    private readonly registry: JobRegistry,
    private readonly maxChunk: number,
    private readonly worker: Resolver,
  ) {}

  /** A cancel heard for the job: stop adding its items. */
  stop(jobId: string): void {
    this.running.get(jobId)?.abort();
  }

  /**
   * A stopping worker's deadline: enumerations running here stop and go back to wait. A second
   * enumeration adds no chunk twice (their ids are their first index), so another worker redoes it.
   */
  handBackAll(): void {
    this.handingBack = true;
    for (const abort of this.running.values()) abort.abort();
  }

  async process(bjob: Job<EnumerateData>, token?: string): Promise<void> {
    if (this.handingBack) return handBack(bjob, token);
    const { jobId } = bjob.data;
    const meta = await this.store.meta(jobId);
    if (!meta) return;
    let definition: AnyJobDefinition | undefined;
    let failure: ErrorInfo | undefined;
    try {
      definition = (await loadDefinition(meta.ref, this.registry, this.worker)).definition;
    } catch (error) {
      // This worker cannot load the job (it lacks the name, or the module): the job is begun and fails with why.
      failure = toErrorInfo(error);
    }
    // Queued (begun now, or by a worker that died enumerating it) until one of its items runs.
    const state = await this.store.begin(jobId);
    const live = state === 'queued' || state === 'running';
    let added = 0;
    if (live && definition && !failure) {
      const abort = new AbortController();
      this.running.set(jobId, abort);
      try {
        const source = meta.mode === 'run' ? [null] : definition.items!(meta.input, { signal: abort.signal });
        added = await this.addChunks(jobId, source, abort, definition.name);
      } catch (error) {
        if (!abort.signal.aborted) failure = toErrorInfo(asRedisError(error));
      } finally {
        this.running.delete(jobId);
      }
      // Aborted to hand it back: its enumeration is not over, whatever it added so far.
      if (this.handingBack) return handBack(bjob, token);
    } else if (!live && state !== 'cancelling') {
      return;
    }
    const { complete } = await this.store.enumerated(jobId, added, true, failure);
    if (complete) await finishJob(this.store, this.runs, jobId, definition);
    // A fraction of the items is a count only now: the failures so far may already reach it.
    else if (!failure && meta.maxFailures !== undefined && meta.maxFailures < 1)
      await stopAtMaxFailures(this.store, this.runs, jobId, meta.maxFailures, definition);
  }

  private async addChunks(
    jobId: string,
    source: AsyncIterable<unknown> | Iterable<unknown>,
    abort: AbortController,
    jobName: string,
  ): Promise<number> {
    let added = 0;
    let count = 0;
    let current: ChunkData | undefined;
    let ready: ChunkData[] = [];
    let lastFlush = Date.now();
    let lastTurn = performance.now();
    const flush = async () => {
      if (ready.length === 0) return;
      await this.roomFor(jobId, added + ready.reduce((sum, chunk) => sum + chunk.items.length, 0), abort);
      if (abort.signal.aborted) return;
      await this.items.addBulk(
        ready.map((chunk) => ({
          name: chunkName(jobName, chunk),
          data: chunk,
          opts: {
            jobId: `${jobId}-${chunk.start}`,
            // Kept for BullMQ's tools, not for Threadline (the job's record has the outcomes): the last
            // 1,000, as each carries its items (a 1M-item job's 31k chunks kept were ~40 MB of Redis).
            removeOnComplete: { age: 3600, count: 1000 },
            // A chunk with failed items ends failed, with their reasons: kept a day, the last 1,000.
            removeOnFail: { age: 24 * 3600, count: 1000 },
            ...RETRY,
          },
        })),
      );
      added += ready.reduce((sum, chunk) => sum + chunk.items.length, 0);
      ready = [];
      lastFlush = Date.now();
      // Counted only once queued: the job cannot complete while a counted item has no chunk.
      const { stopping } = await this.store.enumerated(jobId, added, false);
      if (stopping) {
        abort.abort();
        // Cancelled while these were being added, after the canceller removed the job's queued chunks.
        await removeQueuedChunks(this.items, jobId);
      }
    };
    for await (const item of source) {
      if (performance.now() - lastTurn > TURN_MS) {
        await turn();
        lastTurn = performance.now();
      }
      if (abort.signal.aborted) break;
      current ??= { jobId, start: count, items: [] };
      current.items.push(item);
      count++;
      if (current.items.length >= chunkSize(current.start, this.maxChunk)) {
        ready.push(current);
        current = undefined;
      }
      if (
        ready.length >= FLUSH_CHUNKS ||
        (ready.length > 0 && (added === 0 || Date.now() - lastFlush > FLUSH_MS))
      ) {
        await flush();
      }
    }
    if (!abort.signal.aborted) {
      if (current) ready.push(current);
      await flush();
    }
    return added;
  }

  /**
   * Waits until the job has fewer than a window of items without an outcome, counting `queued`
   * as queued; aborts the enumeration when the job stops (a cancel, maxFailures).
   */
  private async roomFor(jobId: string, queued: number, abort: AbortController): Promise<void> {
    let pollMs = ROOM_POLL_MS;
    let lastDone = -1;
    for (;;) {
      const { state, done } = await this.store.outcomeCounts(jobId);
      pollMs = done === lastDone ? Math.min(ROOM_POLL_MAX_MS, pollMs * 2) : ROOM_POLL_MS;
      lastDone = done;
      if (state !== 'queued' && state !== 'running') {
        abort.abort();
        return;
      }
      if (queued - done <= (await this.window()) || abort.signal.aborted) return;
      try {
        await sleep(pollMs, undefined, { signal: abort.signal });
      } catch {
        return;
      }
    }
  }

  /** The window: enough to keep every advertised thread busy for a few chunks, and never less than MIN_WINDOW. */
  private async window(): Promise<number> {
    if (!this.threads || Date.now() - this.threads.at > THREADS_TTL_MS) {
      const workers = await this.store.workers();
      this.threads = { count: workers.reduce((sum, w) => sum + w.threads, 0), at: Date.now() };
    }
    return Math.max(MIN_WINDOW, 4 * this.threads.count * this.maxChunk);
  }
}
