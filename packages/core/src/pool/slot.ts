// One slot of the pool: a worker thread and its progress cell. A worker that
// crashes or is terminated is replaced in place; a batch is settled by the
// worker's reply or, when the worker dies under it, by the exit event. A slot
// tells its pool through listeners (piscina's habit), never through its fields.
import { existsSync, rmSync } from 'node:fs';
import { MessageChannel, type MessagePort, type ResourceLimits, type Worker } from 'node:worker_threads';
import * as Comlink from 'comlink/dist/esm/comlink.mjs';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import { type CellSample, readCell, resetCell, setCancel } from '../progress/cell-reader.js';
import type { CellViews } from '../progress/layout.js';
import { type ErrorInfo, ItemTimeoutError, toErrorInfo, WorkerCrashedError } from '../protocol/errors.js';
import { sendBatch } from './batch-channel.js';
import { ItemWatchdog } from './item-watchdog.js';
import type {
  BatchMessage,
  BatchReply,
  BatchRequest,
  ItemResult,
  LogMessage,
  TempFileMessage,
  WorkerApi,
} from './messages.js';
import { spawnWorker } from './spawn.js';
import { journalFile, removeJournaled } from './temp-journal.js';

export type BatchOutcome =
  /** `last` is the cell as the batch left it: a run's final progress report. */
  | { kind: 'done'; results: ItemResult[]; last: CellSample }
  /** The batch failed without the worker dying (the module did not load, a result could not be cloned). */
  | { kind: 'error'; error: ErrorInfo }
  /** The worker died (crash, resource limit) or was terminated; `completed` items of the batch had finished. */
  | { kind: 'lost'; error: Error; completed: number };

/** A counted batch (`runCounted`) whose every item succeeded: how many, and their time in all. */
export interface AllSucceeded {
  kind: 'succeeded';
  count: number;
  ms: number;
  last: CellSample;
}

/** What a slot tells its pool, as piscina's workers do: a slot never reads or writes the pool's fields. */
export interface SlotListeners {
  onLog(log: LogMessage['threadlineLog']): void;
  /** Any message from the worker, Comlink's included. */
  onMessage(): void;
  /** Free again once its replaced thread (terminated, crashed) is in. */
  onAvailable(slot: Slot): void;
}

/** What every slot's worker starts with: the pool's cells and the workers' limits. */
export interface SlotSettings {
  cells: SharedArrayBuffer;
  resourceLimits?: ResourceLimits;
  graceMs: number;
  tempJournal?: { dir: string; owner: string };
}

/** How many items of a batch ran to their end: none for an error before any ran. */
function itemsOf(outcome: BatchOutcome | AllSucceeded): number {
  if (outcome.kind === 'succeeded') return outcome.count;
  if (outcome.kind === 'done') return outcome.results.length;
  if (outcome.kind === 'lost') return outcome.completed;
  return 0;
}

/** Past this many temporary files a worker told of, the ones already gone are dropped from the list. */
const MAX_TRACKED_TEMPS = 64;

interface Thread {
  worker: Worker;
  remote: Comlink.Remote<WorkerApi>;
  batches: MessagePort;
  ready: Promise<void>;
  lastError?: Error;
  /** Its journal of temporary files (temp-journal.ts). */
  journal?: string;
}

export class Slot {
  worker!: Worker;
  /** Private: Comlink's types need the DOM lib, and must stay out of the published declarations. */
  private remote!: Comlink.Remote<WorkerApi>;
  /** Resolves when the current worker is online. */
  ready!: Promise<void>;
  busy = false;
  /** Items that ran to their end on it (succeeded or failed; not one terminated) since the pool started. */
  itemsDone = 0;
  private current!: Thread;
  /** A replacement started while the worker it replaces is still being terminated. */
  private next: Thread | undefined;
  /** Settles the batch in flight: from the worker's reply, or from its exit. */
  private settle: ((outcome: BatchOutcome | AllSucceeded) => void) | undefined;
  /** Temporary output files the worker has open: removed if it dies before renaming them. */
  private readonly tempFiles = new Set<string>();
  private terminating = false;
  /** Closing with its pool: a thread that exits now is not replaced. */
  private closed = false;
  /** Watches the running item of a batch with a timeout. */
  private readonly watchdog: ItemWatchdog;
  /** The thread is being terminated for an item that did not stop past its timeout. */
  private timedOutAfter: number | undefined;
  private spawned = 0;

  /** Idle, and not on its way out: a slot being terminated takes no batch until its replacement is in. */
  get available(): boolean {
    return !this.busy && !this.terminating;
  }

  constructor(
    readonly index: number,
    readonly cell: CellViews,
    private readonly settings: SlotSettings,
    private readonly listeners: SlotListeners,
  ) {
    this.watchdog = new ItemWatchdog(cell, settings.graceMs, (timeoutMs) => {
      this.timedOutAfter = timeoutMs;
      void this.terminate();
    });
    this.use(this.spawn());
  }

  private spawn(): Thread {
    const { port1, port2 } = new MessageChannel();
    const journal = this.settings.tempJournal;
    const tempJournal = journal && {
      file: journalFile(journal.dir, journal.owner, `${this.index}.${this.spawned++}`),
      owner: journal.owner,
    };
    const worker = spawnWorker(
      {
        cells: this.settings.cells,
        slot: this.index,
        batches: port2,
        ...(tempJournal ? { tempJournal } : {}),
      },
      [port2],
      this.settings.resourceLimits,
    );
    const thread: Thread = {
      worker,
      remote: Comlink.wrap<WorkerApi>(nodeEndpoint(worker)),
      batches: port1,
      ready: new Promise((resolve) => worker.once('online', () => resolve())),
      ...(tempJournal ? { journal: tempJournal.file } : {}),
    };
    port1.on('message', (reply: BatchReply | LogMessage) => {
      // A batch's logs come first on this port, so they are in before its reply settles it.
      if ('threadlineLog' in reply) {
        this.listeners.onMessage();
        this.listeners.onLog(reply.threadlineLog);
        return;
      }
      if (thread !== this.current) return;
      if ('error' in reply) this.settle?.({ kind: 'error', error: reply.error });
      else if ('results' in reply)
        this.settle?.({ kind: 'done', results: reply.results, last: readCell(this.cell) });
      else
        this.settle?.({ kind: 'succeeded', count: reply.succeeded, ms: reply.ms, last: readCell(this.cell) });
    });
    worker.on('message', (data: Partial<TempFileMessage>) => {
      this.listeners.onMessage();
      if (data?.threadlineTemp?.add) {
        // A name from atomicTempPath alone (a caller's own write) is never told removed: gone ones go.
        if (this.tempFiles.size >= MAX_TRACKED_TEMPS)
          for (const path of this.tempFiles) if (!existsSync(path)) this.tempFiles.delete(path);
        this.tempFiles.add(data.threadlineTemp.add);
      }
      if (data?.threadlineTemp?.remove) this.tempFiles.delete(data.threadlineTemp.remove);
    });
    worker.on('error', (error) => {
      thread.lastError = error;
    });
    worker.once('exit', (code) => {
      if (thread === this.next) {
        this.next = undefined;
        if (thread.journal) removeJournaled(thread.journal);
      }
      if (thread === this.current) this.onExit(thread, code);
    });
    return thread;
  }

  private use(thread: Thread): void {
    this.current = thread;
    this.worker = thread.worker;
    this.remote = thread.remote;
    this.ready = thread.ready;
    this.terminating = false;
  }

  private onExit(thread: Thread, code: number): void {
    thread.batches.close();
    for (const path of this.tempFiles) rmSync(path, { force: true });
    this.tempFiles.clear();
    // The journal also has what the thread wrote down but had not yet told (its messages are async).
    if (thread.journal) removeJournaled(thread.journal);
    if (this.closed) return;
    const reason = this.exitReason(thread, code);
    this.timedOutAfter = undefined;
    this.settle?.({ kind: 'lost', error: reason, completed: readCell(this.cell).completed });
    const next = this.next ?? this.spawn();
    this.next = undefined;
    this.use(next);
    if (!this.settle) {
      this.busy = false;
      // Free again only now: nothing else would tell the dispatcher items can go out.
      this.listeners.onAvailable(this);
    }
  }

  private exitReason(thread: Thread, code: number): Error {
    if (this.timedOutAfter !== undefined) return new ItemTimeoutError(this.timedOutAfter);
    if (this.terminating) return new WorkerCrashedError('worker terminated');
    if ((thread.lastError as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const limit = this.settings.resourceLimits?.maxOldGenerationSizeMb;
      return new WorkerCrashedError(`worker ran out of memory${limit ? ` (limit ${limit} MB)` : ''}`);
    }
    const why = thread.lastError ? `: ${thread.lastError.message}` : '';
    return new WorkerCrashedError(`worker exited (code ${code})${why}`);
  }

  /** Runs a batch on this slot's worker, with every item's result. Never rejects: a dead worker is an outcome. */
  run(request: BatchRequest): Promise<BatchOutcome> {
    return this.send({ ...request, counted: false }) as Promise<BatchOutcome>;
  }

  /**
   * Runs a batch whose items' results nobody keeps: when every item succeeds, the reply is their
   * count, not an object per item (for a million tiny items those were a third of the engine's
   * allocations, and what kept its heap growing; see bench/items).
   */
  runCounted(request: BatchRequest): Promise<BatchOutcome | AllSucceeded> {
    return this.send({ ...request, counted: true });
  }

  private send(request: BatchMessage): Promise<BatchOutcome | AllSucceeded> {
    this.busy = true;
    resetCell(this.cell);
    // Posted outside the promise's executor: with the post inside, the context that `settle`
    // holds kept `request`, and ~1.7 MB of every young-generation collection (the batches' items)
    // survived into the old generation; posted here, next to none (see bench/items).
    const settled = new Promise<BatchOutcome | AllSucceeded>((resolve) => {
      this.settle = (outcome) => {
        this.settle = undefined;
        this.itemsDone += itemsOf(outcome);
        this.watchdog.stop();
        // A thread being terminated may still reply; its slot is free only once the replacement is
        // in (onExit): a batch handed to it meanwhile went to the dying thread and was lost with it.
        if (!this.terminating) this.busy = false;
        resolve(outcome);
      };
    });
    if (request.itemTimeoutMs !== undefined) this.watchdog.start(request.itemTimeoutMs);
    try {
      sendBatch(this.current.batches, this.cell, request);
    } catch (error) {
      // Input or items that cannot be cloned (a function, a socket) fail the batch, as the worker would.
      this.settle?.({ kind: 'error', error: toErrorInfo(error) });
    }
    return settled;
  }

  /** Cooperative cancel: the flag for throwIfCancelled(), a message for the signal. */
  cancel(): void {
    setCancel(this.cell, true);
    this.remote.cancel().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.worker.terminate(), this.next?.worker.terminate()]);
  }

  /** Hard cancel: terminate the worker; a replacement starts at once. */
  async terminate(): Promise<void> {
    this.terminating = true;
    // Start the replacement now: it loads while the old thread is torn down (they overlap, not add up).
    this.next ??= this.spawn();
    await this.worker.terminate();
  }
}
