// A data directory's history read with no engine: what `list` and `show` use
// when no engine owns the directory, so that they need no write access and
// take no lock (an engine starting meanwhile is not kept out).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { JobClient, JobDetails, JobFilter, JobSnapshot } from '../protocol/types.js';
import { openingStore } from './faults.js';
import { Store } from './store.js';

/** The part of a JobClient that reads the history. */
export type HistoryReader = Pick<JobClient, 'list' | 'get' | 'details' | 'close'>;

export class StoredHistory implements HistoryReader {
  private constructor(private readonly store: Store | undefined) {}

  /** The history in `dataDir`, read-only; empty when it has no store yet. A fault is a StorageError. */
  static open(dataDir: string): StoredHistory {
    if (!existsSync(join(dataDir, 'threadline.db'))) return new StoredHistory(undefined);
    return new StoredHistory(openingStore(dataDir, () => new Store(dataDir, { readOnly: true })));
  }

  async list(filter: JobFilter = {}): Promise<JobSnapshot[]> {
    return this.store?.listJobs(filter) ?? [];
  }

  async get(jobId: string): Promise<JobSnapshot | undefined> {
    return this.store?.getJob(jobId);
  }

  /** As the engine's: the job, its first 500 failed items and its latest 1000 log lines. */
  async details(jobId: string): Promise<JobDetails | undefined> {
    const job = this.store?.getJob(jobId);
    if (!job || !this.store) return undefined;
    return { job, failures: this.store.failedItems(jobId, 500), logs: this.store.latestLogs(jobId, 1000) };
  }

  async close(): Promise<void> {
    this.store?.close();
  }
}
