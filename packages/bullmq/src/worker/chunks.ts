// Runs chunks of a job's items on this process's thread pool and records their
// outcomes, a chunk's all in one script: a second recording of a chunk (a stalled
// chunk redelivered while its first worker still ran) is dropped. A worker's first
// chunk of a job is claimed first, which starts the job, and so is a chunk that may
// have run before, so one whose worker died after recording it does not run again.
import { type AnyJobDefinition, type ErrorInfo, type JobRegistry, toErrorInfo } from '@threadline/core';
import {
  type BatchOutcome,
  batchIndexes,
  type EventJob,
  itemEvent,
  type PendingItem,
  settleBatch,
  type WorkerPool,
} from '@threadline/core/internal';
import { type Job, WaitingError } from 'bullmq';
import { asRedisError, RedisOutOfMemoryError } from '../connection.js';
import { loadDefinition, type Resolver } from '../definitions.js';
import { finishJob, stopAtMaxFailures } from '../finish.js';
import type { RunQueue } from '../runs.js';
import type { RecordedItem, RedisStore } from '../store/store.js';
import { type ChunkResult, chunkFailure, chunkResult, recorded, storable } from './chunk-outcomes.js';
import { handBack } from './hand-back.js';
import { Pacing } from './pacing.js';
import { RecordBatcher } from './record-batch.js';
import { newRider, type Rider, settleRiders, withRiders } from './riders.js';
import { SlotQueue } from './slot-queue.js';

/** What one BullMQ job of the items queue carries: consecutive items of one job. */
export interface ChunkData {
  jobId: string;
  /** Index of the first item. */
  start: number;
  items: unknown[];
}

type Slot = WorkerPool['slots'][number];

interface JobInfo {
  definition: AnyJobDefinition;
  moduleUrl: string;
  input: unknown;
  mode: 'process' | 'run';
  /** The run's own, as its start recorded it (failFast is 1). */
  maxFailures: number | undefined;
  /** This worker has claimed a chunk of it: it started the job, or found it started. */
  claimed: boolean;
}

/** A chunk this worker is running, as cancellation and progress sampling see it. */
export interface RunningChunk {
  jobId: string;
  /** Its BullMQ job, whose progress (a percentage of its items) the reporter keeps up to date. */
  bjob: Job<ChunkData>;
  /** Items of the chunk already settled before the batch on its thread. */
  settled: number;
  slot: Slot | undefined;
  batch: PendingItem[];
  cancel: { force: boolean } | null;
  grace: NodeJS.Timeout | undefined;
  /** Stopped by a worker's shutdown at its deadline: nothing of it is recorded, it goes back to wait. */
  handedBack: boolean;
  /** The percentage last given to BullMQ (job.updateProgress), 0 before any. */
  percentSent: number;
  /** Items on its thread with it: its own, and those of the chunks that ride along (its BullMQ progress is theirs). */
  items: number;
  /** Taken along on another chunk's thread: its outcomes, once that batch is done. */
  ride: Promise<RecordedItem[]> | undefined;
}

/** What a worker's shutdown did with the chunks running on it. */
export interface DrainReport {
  /** Ran to their end and were recorded while the worker stopped. */
  finished: number;
  /** Still running at the deadline: stopped, and put back on the queue for another worker. */
  handedBack: number;
}

/** A chunk redelivered this many times (its workers died or lost Redis under it) fails instead of running again. */
const MAX_STALLS = 3;
const JOB_CACHE = 64;
/** How long a chunk taken ahead waits for a thread before it goes back to the queue for another worker. */
const AHEAD_WAIT_MS = 500;

export class ChunkRunner {
  readonly running = new Set<RunningChunk>();
  /** Jobs with outcomes recorded since the progress reporter last looked. */
  readonly recorded = new Set<string>();
  private readonly threads: SlotQueue<Slot, Rider>;
  /** How many chunks to take per thread and to group on one, by how long chunks run (the worker sets its onChange). */
  readonly pacing = new Pacing();
  /** Cancels heard for jobs, so a chunk that starts after the message still obeys it. */
  private readonly cancels = new Map<string, { force: boolean }>();
  private readonly jobs = new Map<string, Promise<JobInfo | undefined>>();
  private readonly batcher: RecordBatcher;
  /** Set once the worker stops; `handingBack` once its drain's deadline has passed. */
  private drain: (DrainReport & { handingBack: boolean }) | undefined;

  constructor(
    private readonly store: RedisStore,
    private readonly runs: RunQueue,
    pool: WorkerPool,
    private readonly worker: Resolver,
    private readonly registry: JobRegistry,
    private readonly graceMs: number,
    /** The worker's item timeout, for definitions without their own. */
    private readonly itemTimeoutMs: number | undefined,
  ) {
    this.threads = new SlotQueue(pool.slots);
    this.batcher = new RecordBatcher(store, worker.id, () => this.running.size, pool.size);
  }

  /** The worker stops: chunks still running here may finish, and are counted as they do. */
  startDrain(): void {
    this.drain ??= { finished: 0, handedBack: 0, handingBack: false };
  }

  /** The drain's deadline: running chunks stop now and go back to wait; their items run again elsewhere. */
  handBackAll(): void {
    this.startDrain();
    this.drain!.handingBack = true;
    for (const chunk of this.running) {
      chunk.handedBack = true;
      if (chunk.slot) void chunk.slot.terminate();
    }
  }

  get drainReport(): DrainReport {
    return { finished: this.drain?.finished ?? 0, handedBack: this.drain?.handedBack ?? 0 };
  }

  private giveBack(bjob: Job<ChunkData>, token: string | undefined): Promise<never> {
    if (this.drain) this.drain.handedBack++;
    return handBack(bjob, token);
  }

  /**
   * Runs a chunk. One that fails for good (its last attempt throws, or Redis is out of memory and
   * would refuse every retry as BullMQ itself) fails its items with the reason, so its job can end;
   * out of memory also stops the job. It then ends failed in BullMQ, with that reason.
   */
  async process(bjob: Job<ChunkData>, token?: string): Promise<ChunkResult> {
    let outcomes: RecordedItem[];
    try {
      outcomes = await this.runChunk(bjob, token);
    } catch (caught) {
      if (caught instanceof WaitingError) throw caught;
      const error = asRedisError(caught);
      const outOfMemory = error instanceof RedisOutOfMemoryError;
      const attempts = bjob.opts.attempts ?? 1;
      if (!outOfMemory && bjob.attemptsMade + 1 < attempts) throw error;
      const message = error instanceof Error ? error.message : String(error);
      const info: ErrorInfo = outOfMemory
        ? { code: error.code, message }
        : { code: 'CHUNK_FAILED', message: `its chunk failed ${attempts} times; last: ${message}` };
      try {
        await this.failForGood(bjob, info, outOfMemory);
      } catch {
        // Redis is away, or refuses even this: the chunk stays BullMQ's to retry or stall back.
        throw error;
      }
      throw chunkFailure(info.message);
    }
    return chunkResult(bjob.data.items.length, outcomes);
  }

  private async failForGood(bjob: Job<ChunkData>, error: ErrorInfo, stop: boolean): Promise<void> {
    const { jobId, start, items } = bjob.data;
    const info = await this.jobInfo(jobId).catch(() => undefined);
    const job: EventJob = { id: jobId, mode: info?.mode ?? 'process' };
    const failed = items.map((item, i) => itemEvent(job, { index: start + i, item }, 'failed', 0, error));
    const { complete } = await this.store.failChunk(
      jobId,
      start,
      this.worker.id,
      failed,
      stop ? { failure: error, reason: error.message } : null,
    );
    this.recorded.add(jobId);
    if (!stop) await stopAtMaxFailures(this.store, this.runs, jobId, info?.maxFailures, info?.definition);
    if (complete) await finishJob(this.store, this.runs, jobId, info?.definition);
  }

  /** Runs the chunk's items and records them; returns what it recorded (nothing, when it only dropped them). */
  private async runChunk(bjob: Job<ChunkData>, token?: string): Promise<RecordedItem[]> {
    const { jobId, start, items } = bjob.data;
    let info: JobInfo | undefined;
    try {
      info = await this.jobInfo(jobId);
    } catch (error) {
      // This worker cannot load the job (an unknown name, a path that is not on this machine).
      return await this.failUnloadable(jobId, start, items, toErrorInfo(error));
    }
    if (!info) return [];
    if (this.drain?.handingBack) return this.giveBack(bjob, token);
    const chunk: RunningChunk = {
      jobId,
      bjob,
      settled: 0,
      slot: undefined,
      batch: [],
      cancel: this.cancels.get(jobId) ?? null,
      grace: undefined,
      handedBack: false,
      percentSent: 0,
      items: items.length,
      ride: undefined,
    };
    this.running.add(chunk);
    // A thread first, so a chunk is claimed (and its job started) only once it can run. One taken
    // ahead that no thread came free for in time goes back to the queue: another worker may have one.
    // While chunks run short, one that needs no claim may instead ride along on the thread of a
    // chunk of its job that got one: a thread is then handed several chunks in one message.
    const rider = this.canRide(info, bjob) ? newRider(chunk, start, items) : undefined;
    let slot = await this.threads.acquire(AHEAD_WAIT_MS, rider);
    if (!slot && !chunk.ride) {
      this.running.delete(chunk);
      this.pacing.note(Number.POSITIVE_INFINITY);
      return this.giveBack(bjob, token);
    }
    try {
      if (chunk.ride) {
        const outcomes = await chunk.ride;
        if (chunk.handedBack) return this.giveBack(bjob, token);
        await this.record(jobId, info, start, outcomes);
        if (this.drain) this.drain.finished++;
        return outcomes;
      }
      const job: EventJob = { id: jobId, mode: info.mode };
      const pending = items.map((item, i) => ({ index: start + i, item }));
      // This worker's first chunk of the job (which starts a job still queued), or one delivered
      // before: it may be recorded (its worker died after recording it), or its job stopped meanwhile.
      if (!info.claimed || bjob.attemptsMade > 0 || bjob.stalledCounter > 0) {
        const claim = await this.store.claim(jobId, start);
        info.claimed = true;
        if (claim === 'final' || claim === 'recorded') return [];
        if (claim === 'stop') {
          // Dropped at once: never-run items count as cancelled when the job finishes.
          await this.record(jobId, info, start, []);
          return [];
        }
        if (bjob.stalledCounter >= MAX_STALLS) {
          const error: ErrorInfo = {
            code: 'WORKER_CRASHED',
            message: `the worker running this item stopped ${bjob.stalledCounter} times (killed, or cut off from Redis); not trying again`,
          };
          const failed = pending.map((p) => recorded(itemEvent(job, p, 'failed', 0, error)));
          await this.record(jobId, info, start, failed);
          return failed;
        }
      }
      if (chunk.handedBack) return this.giveBack(bjob, token);
      const first = slot!;
      slot = undefined;
      const outcomes = await this.execute(chunk, info, pending, first, this.takeRiders(chunk, bjob));
      // What ran of a chunk handed back is not recorded: its items run again, whole, elsewhere.
      if (chunk.handedBack) return this.giveBack(bjob, token);
      await this.record(jobId, info, start, outcomes);
      if (this.drain) this.drain.finished++;
      // A chunk whose bar BullMQ's tools showed ends at 100, not at its last tick's share. Only
      // those (long chunks): a short one costs no call. Only the bar: the outcomes are recorded.
      if (chunk.percentSent > 0 && chunk.percentSent < 100) await bjob.updateProgress(100).catch(() => {});
      return outcomes;
    } finally {
      if (slot) this.threads.release(slot);
      clearTimeout(chunk.grace);
      this.running.delete(chunk);
    }
  }

  /** Records outcomes; the worker that completes the job (or stops it at its maxFailures) finishes it. */
  private async record(
    jobId: string,
    info: Pick<JobInfo, 'definition' | 'maxFailures'> | undefined,
    start: number,
    outcomes: RecordedItem[],
  ): Promise<void> {
    const complete = await this.batcher.record(jobId, start, outcomes);
    this.recorded.add(jobId);
    const definition = info?.definition;
    if (outcomes.some((o) => o.outcome === 'failed'))
      await stopAtMaxFailures(this.store, this.runs, jobId, info?.maxFailures, definition);
    if (complete) await finishJob(this.store, this.runs, jobId, definition);
  }

  private async failUnloadable(
    jobId: string,
    start: number,
    items: unknown[],
    error: ErrorInfo,
  ): Promise<RecordedItem[]> {
    // Its mode is unknown here: the items are labelled as a process job's would be.
    const job: EventJob = { id: jobId, mode: 'process' };
    const failed = items.map((item, i) =>
      recorded(itemEvent(job, { index: start + i, item }, 'failed', 0, error)),
    );
    // A job that ended or stopped drops them; a chunk recorded already keeps its first outcomes.
    await this.record(jobId, undefined, start, failed);
    return failed;
  }

  /** Whether a chunk may ride along on another's thread: chunks run short, and it needs no claim of its own. */
  private canRide(info: JobInfo | undefined, bjob: Job<ChunkData>): boolean {
    return this.pacing.short && !!info?.claimed && bjob.attemptsMade === 0 && bjob.stalledCounter === 0;
  }

  /**
   * Chunks of the host's job waiting for a thread that go along on its thread, in the same message:
   * as many as pacing.riders allows (about 10 ms of them), so a group does not hold one thread while
   * another comes free. None for a chunk that may have run before (its items run at attempt 2).
   */
  private takeRiders(host: RunningChunk, bjob: Job<ChunkData>): Rider[] {
    const limit = this.pacing.riders;
    if (limit === 0 || bjob.attemptsMade > 0 || bjob.stalledCounter > 0) return [];
    const riders = this.threads.take((r) => r.chunk.jobId === host.jobId && !r.chunk.handedBack, limit);
    for (const rider of riders) {
      rider.board();
      host.items += rider.items.length;
    }
    return riders;
  }

  /**
   * Runs the host's items and its riders', first on `first` (which it releases), and gives each
   * rider its own outcomes; a thread that dies under them fails the item it held, and the rest run
   * again.
   */
  private async execute(
    chunk: RunningChunk,
    info: JobInfo,
    own: PendingItem[],
    first: Slot,
    riders: Rider[],
  ): Promise<RecordedItem[]> {
    if (riders.length === 0) return this.runItems(chunk, info, own, first);
    let outcomes: RecordedItem[];
    try {
      outcomes = await this.runItems(chunk, info, withRiders(own, riders), first, 1 + riders.length);
    } catch (error) {
      for (const rider of riders) rider.reject(error);
      throw error;
    }
    return settleRiders(outcomes, riders, chunk.handedBack);
  }

  /** Runs items on `first`, then on any free thread after a thread died under them. */
  private async runItems(
    chunk: RunningChunk,
    info: JobInfo,
    pending: PendingItem[],
    first: Slot,
    chunks = 1,
  ): Promise<RecordedItem[]> {
    const job: EventJob = { id: chunk.jobId, mode: info.mode };
    const itemTimeoutMs = info.definition.itemTimeoutMs ?? this.itemTimeoutMs;
    // Only a summarize (or a run's one result) reads results: kept otherwise, they were most of a big job's bytes.
    const keepResults = info.mode === 'run' || info.definition.summarize !== undefined;
    const outcomes: RecordedItem[] = [];
    let rest = pending;
    let held: Slot | undefined = first;
    while (rest.length > 0 && !chunk.handedBack) {
      if (chunk.cancel) {
        outcomes.push(...rest.map((p) => recorded(itemEvent(job, p, 'cancelled', 0))));
        break;
      }
      const batch = rest;
      const slot = held ?? (await this.threads.acquire());
      held = undefined;
      if (!slot) break;
      if (chunk.handedBack) {
        this.threads.release(slot);
        break;
      }
      const started = performance.now();
      let outcome: BatchOutcome;
      try {
        chunk.slot = slot;
        chunk.batch = batch;
        const running = slot.run({
          jobId: chunk.jobId,
          moduleUrl: info.moduleUrl,
          input: info.input,
          mode: info.mode,
          items: info.mode === 'run' ? [null] : batch.map((p) => p.item),
          // ctx.index and ctx.itemKey: each item's position in the job, the same on every delivery.
          ...batchIndexes(batch),
          ...(itemTimeoutMs !== undefined ? { itemTimeoutMs } : {}),
          // Delivered before (a retry, or a stall: its worker died or lost Redis under it), it may have run.
          attempt: chunk.bjob.attemptsMade + chunk.bjob.stalledCounter + 1,
        });
        // run() clears the slot's cancel flag as it starts: a cancel heard before must be applied after.
        if (chunk.cancel) this.applyCancel(chunk);
        outcome = await running;
      } finally {
        clearTimeout(chunk.grace);
        chunk.slot = undefined;
        chunk.batch = [];
        this.threads.release(slot);
      }
      // Its thread was terminated for the hand-back: the outcome says nothing of the items.
      if (chunk.handedBack) break;
      this.pacing.note((performance.now() - started) / chunks);
      const { settled, rerun } = settleBatch(job, batch, outcome, chunk.cancel !== null);
      outcomes.push(...settled.map((item) => storable(job, item, keepResults)));
      chunk.settled += settled.length;
      rest = rerun;
    }
    if (held) this.threads.release(held);
    return outcomes;
  }

  /** A cancel heard for a job: the same three levels as in-process, on every chunk of it here. */
  cancelJob(jobId: string, force: boolean): void {
    const known = this.cancels.get(jobId);
    if (known && (known.force || !force)) return;
    this.cancels.set(jobId, { force });
    if (this.cancels.size > 1000) this.cancels.delete(this.cancels.keys().next().value!);
    for (const chunk of this.running) {
      if (chunk.jobId !== jobId) continue;
      chunk.cancel = { force };
      this.applyCancel(chunk);
    }
  }

  private applyCancel(chunk: RunningChunk): void {
    const slot = chunk.slot;
    if (!slot || !chunk.cancel) return;
    // Level 2: the flag for throwIfCancelled() and the item's signal.
    slot.cancel();
    clearTimeout(chunk.grace);
    // Level 3: an item that ignores both past the grace period loses its thread.
    const terminate = () => {
      if (chunk.slot === slot) void slot.terminate();
    };
    if (chunk.cancel.force) terminate();
    else chunk.grace = setTimeout(terminate, this.graceMs);
  }

  private jobInfo(jobId: string): Promise<JobInfo | undefined> {
    let info = this.jobs.get(jobId);
    if (!info) {
      info = this.loadInfo(jobId);
      this.jobs.set(jobId, info);
      info.catch(() => this.jobs.delete(jobId));
      if (this.jobs.size > JOB_CACHE) this.jobs.delete(this.jobs.keys().next().value!);
    }
    return info;
  }

  private async loadInfo(jobId: string): Promise<JobInfo | undefined> {
    const meta = await this.store.meta(jobId);
    if (!meta) return undefined;
    const { definition, moduleUrl } = await loadDefinition(meta.ref, this.registry, this.worker);
    return {
      definition,
      moduleUrl,
      input: meta.input,
      mode: meta.mode,
      maxFailures: meta.maxFailures,
      claimed: false,
    };
  }
}
