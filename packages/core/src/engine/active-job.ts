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
import type { PendingItem } from '../rules/item-events.js';
import { etaOf, fractionOf, RateMeter, shareOfCells } from '../rules/sampler.js';

export interface Batch {
  slot: Slot;
  items: PendingItem[];
}

/** Batches aim at this much work, so tiny items are not one message each (see bench/dispatch). */
const TARGET_BATCH_MS = 15;
const MAX_BATCH = 2048;
/** Enumeration pauses when this many items wait, so a huge tree does not sit in memory. */
export const PENDING_HIGH_WATER = 20_000;

/** What a resumed job takes over from the job it resumes: which of its items already succeeded. */
export interface Inherited {
  indices: IndexSet;
  /** For a definition with itemKey: the keys of the items that succeeded. */
  keys: Set<string> | null;
}

export class ActiveJob {
  readonly pending: PendingItem[] = [];
  readonly batches = new Set<Batch>();
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

  keyOf(pending: PendingItem): string {
    return this.definition.itemKey ? String(this.definition.itemKey(pending.item)) : String(pending.index);
  }

  /** An item that succeeded, here or (taken over) in the job this one resumes. */
  recordSucceeded(pending: PendingItem, result: unknown): void {
    this.succeeded.add(pending.index);
    this.itemsDirty = true;
    this.unreported++;
    this.snapshot.items.succeeded++;
    if (this.keepsResults) this.results[pending.index] = result;
    if (this.keepsRows)
      this.unwrittenResults.push([this.keyOf(pending), this.keepsResults ? serialize(result) : null]);
  }

  /** True when a resumed job's predecessor already did this item: it is counted, not run. */
  takeOver(pending: PendingItem): boolean {
    const inherited = this.inherited;
    if (!inherited) return false;
    const key = inherited.keys ? this.keyOf(pending) : null;
    if (key !== null ? !inherited.keys!.has(key) : !inherited.indices.has(pending.index)) return false;
    this.succeeded.add(pending.index);
    this.itemsDirty = true;
    this.unreported++;
    this.snapshot.items.succeeded++;
    if (this.keepsResults) this.inheritedResults.push([pending.index, key ?? String(pending.index)]);
    return true;
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

  recordItemTime(ms: number): void {
    this.avgItemMs = this.avgItemMs === null ? ms : this.avgItemMs * 0.8 + ms * 0.2;
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
