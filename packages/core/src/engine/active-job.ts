// The engine's working state for one job between `started` and `finished`:
// items waiting for a worker, batches in flight, outcomes so far, and the
// progress sampled from the cells of the slots running its batches.
import { serialize } from 'node:v8';
import type { AnyJobDefinition } from '../job/define.js';
import type { Slot } from '../pool/pool.js';
import { type CellSample, readCell } from '../progress/cell-reader.js';
import type { ErrorInfo } from '../protocol/errors.js';
import type { JobSnapshot, Progress } from '../protocol/types.js';
import type { FinishingJob } from '../rules/final-state.js';
import { IndexSet } from '../rules/index-set.js';
import { etaOf, fractionOf, RateMeter, shareOfCells } from '../rules/sampler.js';
import type { BatchRow } from '../store/item-rows.js';
import { indexAt, PendingQueue, type TakenItems } from './pending-queue.js';

/** Items out on a slot's thread: their positions in the job, and the items. */
export interface Batch extends TakenItems {
  slot: Slot;
  /** When it was handed to its thread (ms since the epoch): where the timeline's span starts. */
  startedAt: number;
}

/**
 * A job's batches in flight: a Set's add, delete and iteration, over an array. With a Set here,
 * ~1.2 MB of every young-generation collection survived into the old generation (the batches'
 * arrays; none with the array), and the engine's heap grew by ~20 MB between full collections:
 * a Set that churns rehashes often, and V8 links each old table to the next (for iterators
 * still on it), entries and all (see bench/items).
 */
export class BatchList implements Iterable<Batch> {
  private readonly list: Batch[] = [];

  get size(): number {
    return this.list.length;
  }

  add(batch: Batch): void {
    this.list.push(batch);
  }

  delete(batch: Batch): void {
    const at = this.list.indexOf(batch);
    if (at >= 0) this.list.splice(at, 1);
  }

  [Symbol.iterator](): Iterator<Batch> {
    // A copy: a caller may settle (delete) batches while it goes through them.
    return [...this.list][Symbol.iterator]();
  }
}

/** Batches aim at this much work, so tiny items are not one message each (see bench/dispatch). */
const TARGET_BATCH_MS = 15;
const MAX_BATCH = 2048;
/** Enumeration pauses when this many items wait, so a huge tree does not sit in memory. */
export const PENDING_HIGH_WATER = 20_000;
/** A sync items() runs at most about this long before the engine's other work gets a turn. */
const ENUMERATION_SLICE_MS = 10;

/** What a resumed job takes over from the job it resumes: which of its items already succeeded. */
export interface Inherited {
  indices: IndexSet;
  /** For a definition with itemKey: the keys of the items that succeeded. */
  keys: Set<string> | null;
}

export class ActiveJob {
  readonly pending = new PendingQueue();
  readonly batches = new BatchList();
  /** Results of succeeded items by index, for summarize (or a run's return value); none otherwise. */
  readonly results: unknown[] = [];
  /** Indices of the items that succeeded, taken over ones included: what the store keeps for a resume. */
  readonly succeeded = new IndexSet();
  /** The store's copy of `succeeded` is behind. */
  itemsDirty = false;
  /** Succeeded items not yet told to subscribers: one `items` event a tick, not one event each. */
  unreported = 0;
  /** Per-item rows for the store since its last write (see ItemRecord). */
  unwrittenResults: [string, Buffer | null][] = [];
  /** Batches that ended since the store's last write: where and when their items ran. */
  unwrittenBatches: BatchRow[] = [];
  /** Threads that ran a batch of this job: a thread's first one also loaded the job's module. */
  readonly threadsUsed = new Set<number>();
  /** Taken-over items with a stored result, by index and key: read back for summarize. */
  readonly inheritedResults: [number, string][] = [];
  /** Log lines past the stored limit, dropped; said once at the end. */
  droppedLogs = 0;
  loggedLines = 0;
  enumerated = 0;
  enumerationDone = false;
  readonly enumeration = new AbortController();
  /** Resolves a paused enumeration when pending drains below the high-water mark. */
  resumeEnumeration: (() => void) | undefined;
  cancel: { force: boolean; reason: string | null } | null = null;
  graceTimer: NodeJS.Timeout | undefined;
  failure: ErrorInfo | null = null;
  /** Why a shutdown stopped this job before its end; it is then recorded interrupted. */
  interruptedBy: string | null = null;
  firstItemError: ErrorInfo | null = null;
  /** A run's cell as its call left it: its last progress report. */
  lastReport: CellSample | undefined;
  private avgItemMs: number | null = null;
  private readonly rate = new RateMeter();
  /** With the definition's itemWeight: the weight of every item enumerated, and of those that ran. */
  private weightTotal = 0;
  private weightRan = 0;

  constructor(
    readonly snapshot: JobSnapshot,
    readonly definition: AnyJobDefinition,
    readonly moduleUrl: string,
    readonly input: unknown,
    readonly mode: 'process' | 'run',
    readonly inherited: Inherited | null = null,
  ) {}

  /** A summary is made of the results: only then are they kept (a run's one result is its summary). */
  get keepsResults(): boolean {
    return this.definition.summarize !== undefined || this.mode === 'run';
  }

  private get keepsRows(): boolean {
    return this.keepsResults || this.definition.itemKey !== undefined;
  }

  keyOf(index: number, item: unknown): string {
    return this.definition.itemKey ? String(this.definition.itemKey(item)) : String(index);
  }

  private get weighs(): boolean {
    return this.mode === 'process' && this.definition.itemWeight !== undefined;
  }

  /** How much of the job `item` is (see JobDefinition.itemWeight); undefined when items are not weighed. */
  weightOf(item: unknown): number | undefined {
    if (!this.weighs) return undefined;
    const weight = Number(this.definition.itemWeight!(item));
    return Number.isFinite(weight) && weight > 0 ? weight : 0;
  }

  /** A failed item ran to its outcome: its weight is done (the job's progress is not its success). */
  recordFailed(item: unknown): void {
    this.weightRan += this.weightOf(item) ?? 0;
  }

  /** An item that succeeded, here or (taken over) in the job this one resumes. */
  recordSucceeded(index: number, item: unknown, result: unknown): void {
    this.weightRan += this.weightOf(item) ?? 0;
    this.succeeded.add(index);
    this.itemsDirty = true;
    this.unreported++;
    this.snapshot.items.succeeded++;
    if (this.keepsResults) this.results[index] = result;
    if (this.keepsRows)
      this.unwrittenResults.push([this.keyOf(index, item), this.keepsResults ? serialize(result) : null]);
  }

  /** A whole batch succeeded (a counted batch: no results to keep) in `ms`. */
  recordAllSucceeded(batch: TakenItems, ms: number): void {
    const { items } = batch;
    for (let i = 0; i < items.length; i++) this.recordSucceeded(indexAt(batch, i), items[i], undefined);
    if (items.length > 0) this.recordItemTime(ms / items.length, items.length);
  }

  /** True when a resumed job's predecessor already did this item: it is counted, not run. */
  private takesOver(index: number, item: unknown): boolean {
    const inherited = this.inherited;
    if (!inherited) return false;
    const key = inherited.keys ? this.keyOf(index, item) : null;
    if (key !== null ? !inherited.keys!.has(key) : !inherited.indices.has(index)) return false;
    this.weightRan += this.weightOf(item) ?? 0;
    this.succeeded.add(index);
    this.itemsDirty = true;
    this.unreported++;
    this.snapshot.items.succeeded++;
    if (this.keepsResults) this.inheritedResults.push([index, key ?? String(index)]);
    return true;
  }

  /**
   * Pulls the job's items into pending (what a resumed job takes over is only counted), pausing
   * at the high-water mark until the engine calls resumeEnumeration; `pump` hands them to threads.
   * Rejects with what items() throws.
   */
  async enumerate(pump: () => void): Promise<void> {
    const items = this.definition.items!(this.input, { signal: this.enumeration.signal });
    // A sync iterable is walked without an await per item: `for await` over one costs two promises
    // an item, most of the engine's allocations for a million tiny items (see bench/items).
    if (Symbol.asyncIterator in items) {
      for await (const item of items) {
        if (this.enumeration.signal.aborted) break;
        this.take(item);
        pump();
        if (this.pending.length >= PENDING_HIGH_WATER) await this.paused();
      }
      return;
    }
    // Threads come free only on a turn of the event loop: once a pump has left items waiting,
    // pumping again before the next await would find every slot still busy.
    let slotsBusy = false;
    let count = 0;
    let sliceEnds = performance.now() + ENUMERATION_SLICE_MS;
    for (const value of items) {
      if (this.enumeration.signal.aborted) break;
      // As `for await` did: a promise yielded by a sync iterable is its item once settled.
      const awaited = value instanceof Promise;
      this.take(awaited ? await value : value);
      if (awaited) slotsBusy = false;
      if (!slotsBusy) {
        pump();
        slotsBusy = this.pending.length > 0;
      }
      const full = this.pending.length >= PENDING_HIGH_WATER;
      // A slow generator gives replies and the tick their turn instead of holding the thread.
      const late = !full && (++count & 255) === 0 && performance.now() >= sliceEnds;
      if (!full && !late) continue;
      await (full ? this.paused() : new Promise<void>((resolve) => setImmediate(resolve)));
      slotsBusy = false;
      sliceEnds = performance.now() + ENUMERATION_SLICE_MS;
    }
  }

  private take(item: unknown): void {
    this.weightTotal += this.weightOf(item) ?? 0;
    const index = this.enumerated++;
    if (!this.takesOver(index, item)) this.pending.add(index, item);
  }

  private paused(): Promise<void> {
    return new Promise((resolve) => {
      this.resumeEnumeration = resolve;
    });
  }

  /** The weight done, finished items' and running ones' part of theirs, when items are weighed. */
  private weighedProgress(cells: { cell: CellSample; items: number }[]): { done: number } | undefined {
    if (!this.weighs) return undefined;
    let done = this.weightRan;
    let at = 0;
    for (const batch of this.batches) {
      const { cell } = cells[at++]!;
      const finished = Math.min(cell.completed, batch.items.length);
      for (let i = 0; i < finished; i++) done += this.weightOf(batch.items[i]) ?? 0;
      if (cell.current < 0 || cell.current >= batch.items.length) continue;
      const share = cell.total !== null && cell.total > 0 ? Math.min(1, cell.done / cell.total) : 0;
      done += share * (this.weightOf(batch.items[cell.current]) ?? 0);
    }
    return { done };
  }

  /** Items that ran to an outcome. A cancelled item did not: counting it, a cancel read as 100% done. */
  get ranItems(): number {
    const { succeeded, failed } = this.snapshot.items;
    return succeeded + failed;
  }

  /** Items still out are being stopped (by a cancel or a shutdown): a lost thread cancels them. */
  get stopping(): boolean {
    return this.cancel !== null || this.interruptedBy !== null;
  }

  get isComplete(): boolean {
    return this.enumerationDone && this.pending.length === 0 && this.batches.size === 0;
  }

  /** What the final-state rule decides from, once the job is complete; `stored` reads taken-over results. */
  finishing(stored: (keys: string[]) => Map<string, unknown>): FinishingJob {
    const { succeeded, failed, cancelled, total } = this.snapshot.items;
    return {
      mode: this.mode,
      input: this.input,
      definition: this.definition,
      total: total ?? this.enumerated,
      succeeded,
      failed,
      cancelled,
      results: () => {
        if (this.inheritedResults.length > 0) {
          const found = stored(this.inheritedResults.map(([, key]) => key));
          for (const [index, key] of this.inheritedResults) this.results[index] = found.get(key);
        }
        return this.results.filter((_, i) => i in this.results);
      },
      cancelRequested: this.cancel !== null,
      failure: this.failure,
      firstItemError: this.firstItemError,
      maxFailures: this.snapshot.maxFailures,
    };
  }

  /** How many items the next batch takes: about TARGET_BATCH_MS of work, one at first. */
  nextBatchSize(poolSize: number): number {
    let size = this.avgItemMs === null ? 1 : Math.round(TARGET_BATCH_MS / Math.max(this.avgItemMs, 0.0001));
    // Near the end, share what is left across the pool instead of one worker taking it all.
    if (this.enumerationDone) size = Math.min(size, Math.ceil(this.pending.length / poolSize));
    return Math.max(1, Math.min(MAX_BATCH, size));
  }

  /** `count` items took `ms` each: the same as that many items timed one by one. */
  recordItemTime(ms: number, count = 1): void {
    const keep = 0.8 ** count;
    this.avgItemMs = this.avgItemMs === null ? ms : this.avgItemMs * keep + ms * (1 - keep);
  }

  /** Samples the job's cells; returns the new progress, or undefined when nothing a person would see changed. */
  sample(now: number): Progress | undefined {
    const cells = [...this.batches].map((batch) => ({
      cell: readCell(batch.slot.cell),
      items: batch.items.length,
    }));
    const share = shareOfCells(cells);
    let done = this.ranItems + share.completed;
    const last = this.snapshot.progress;
    // Between items (a cell is idle for a moment), the last word stands.
    let message = share.running ? share.message : last.message;
    let total: number | null = this.enumerationDone ? this.enumerated : null;
    let fraction = fractionOf(done, share.partial, total);
    const weighed = this.weighedProgress(cells);
    // Weighed items: the progress is their weight (bytes), the finished ones' and the running ones'
    // share of theirs; a job whose items all weigh nothing goes by its items.
    if (weighed && (!this.enumerationDone || this.weightTotal > 0)) {
      done = Math.round(weighed.done);
      total = this.enumerationDone ? this.weightTotal : null;
      fraction = total === null ? null : Math.min(1, weighed.done / total);
    }
    if (this.mode === 'run') {
      // One long call: its own units are the progress (bytes, epochs), not "1 item".
      if (share.running) {
        done = share.itemDone;
        total = share.itemTotal;
        fraction = total ? Math.min(1, done / total) : null;
      } else if (this.batches.size > 0) {
        ({ done, total, fraction } = last);
      } else {
        // The call ended: its last report stands, complete if it succeeded; one call is one unit if it never reported.
        const ok = this.snapshot.items.succeeded > 0;
        const reportedDone = this.lastReport?.done ?? last.done;
        const reportedTotal = this.lastReport?.total ?? last.total;
        message = this.lastReport?.message ?? message;
        if (reportedDone === 0 && reportedTotal === null) {
          total = 1;
          done = ok ? 1 : 0;
        } else {
          total = reportedTotal ?? (ok ? reportedDone : null);
          done = ok && total !== null ? total : reportedDone;
        }
        fraction = ok ? 1 : total ? Math.min(1, done / total) : null;
      }
    }
    const previous = last;
    const rate = this.rate.update(now, done);
    const next: Progress = { done, total, fraction, rate, eta: etaOf(rate, done, total), message };
    const changed =
      next.done !== previous.done ||
      next.total !== previous.total ||
      next.message !== previous.message ||
      Math.round((next.fraction ?? -1) * 1000) !== Math.round((previous.fraction ?? -1) * 1000);
    this.snapshot.progress = next;
    return changed ? next : undefined;
  }
}
