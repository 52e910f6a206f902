// Writes what the engine changed (job records, events, item records) to the
// store in one transaction a tick, and holds it in memory through a storage
// fault (a full disk) until the store takes writes again.
import type { StorageError } from '../protocol/errors.js';
import type { JobSnapshot } from '../protocol/types.js';
import { storageFault } from '../store/faults.js';
import type { ItemRecord, Store } from '../store/store.js';
import type { ActiveJob } from './active-job.js';
import type { EventHub } from './event-hub.js';

export class StoreWriter {
  readonly dirty = new Set<JobSnapshot>();
  /** Item records of jobs that finished since the last write. */
  private finishedItems: ItemRecord[] = [];
  /** Set while the store cannot be written: writes are retried each tick, and no new item starts. */
  problem: StorageError | null = null;

  constructor(
    private readonly store: Store,
    private readonly hub: EventHub,
    private readonly dataDir: string,
    private readonly log: (line: string) => void,
    /** The store takes writes again after a fault. */
    private readonly onWritable: () => void,
  ) {}

  /** A job that ended: its item record goes out with the next write. */
  finished(job: ActiveJob): void {
    this.finishedItems.push(itemRecord(job));
  }

  /**
   * Writes what changed since the last write in one transaction. A storage fault (a full disk)
   * does not lose it: the events and records wait in memory for the next tick's try, and the
   * engine says so once, and again when the store is writable.
   */
  flush(active: Iterable<ActiveJob>): void {
    const events = this.hub.takeUnwritten();
    const items = this.finishedItems;
    for (const job of active)
      if (job.itemsDirty || job.unwrittenBatches.length > 0) items.push(itemRecord(job));
    if (events.length === 0 && this.dirty.size === 0 && items.length === 0) return;
    this.finishedItems = [];
    try {
      this.store.write(this.dirty, events, items);
    } catch (error) {
      const fault = storageFault(error, this.dataDir);
      if (!fault) throw error;
      this.hub.putBack(events);
      this.finishedItems = [...items, ...this.finishedItems];
      if (!this.problem) {
        this.log(
          `${fault.message}; holding ${events.length} events in memory, starting no new items, and retrying`,
        );
      }
      this.problem = fault;
      return;
    }
    this.dirty.clear();
    if (this.problem) {
      this.problem = null;
      this.log('the store is writable again; carrying on');
      this.onWritable();
    }
  }
}

function itemRecord(job: ActiveJob): ItemRecord {
  job.itemsDirty = false;
  const results = job.unwrittenResults;
  job.unwrittenResults = [];
  const batches = job.unwrittenBatches;
  job.unwrittenBatches = [];
  return {
    jobId: job.snapshot.id,
    moduleUrl: job.moduleUrl,
    succeeded: job.succeeded.toJSON(),
    results,
    batches,
  };
}
