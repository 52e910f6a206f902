// Where and when a job's items ran, kept compactly: a row per batch a thread
// ran (its items as a first..last range, or their list when not consecutive),
// not per item. Slow items travel alone, so their rows are exact; a million
// tiny items share about 500 rows (bench measure `items` holds the store to
// its size goal). The timeline reads the rows as spans per thread.
import type Database from 'better-sqlite3';
import type { TimelineSpan } from '../protocol/types.js';
import { type BatchRow, MAX_ROW_SPAN, MAX_SPANS, mergeSpans, rowHas } from './item-rows.js';

export const BATCHES_SCHEMA = `
CREATE TABLE IF NOT EXISTS item_batches (
  job_id TEXT NOT NULL,
  first INTEGER NOT NULL,
  last INTEGER NOT NULL,
  indices TEXT,
  thread INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  ended_at INTEGER NOT NULL,
  ms REAL NOT NULL,
  succeeded INTEGER NOT NULL,
  failed INTEGER NOT NULL,
  cancelled INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS item_batches_job ON item_batches(job_id, first);
`;

interface StoredRow {
  thread: number;
  first: number;
  last: number;
  indices: string | null;
  started_at: number;
  ended_at: number;
  ms: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

const fromStored = (row: StoredRow): BatchRow => ({
  thread: row.thread,
  first: row.first,
  last: row.last,
  indices: row.indices === null ? null : (JSON.parse(row.indices) as number[]),
  startedAt: row.started_at,
  endedAt: row.ended_at,
  ms: row.ms,
  succeeded: row.succeeded,
  failed: row.failed,
  cancelled: row.cancelled,
});

export class BatchTable {
  private readonly insert;
  private readonly near;
  private readonly ofJob;

  constructor(db: Database.Database) {
    this.insert = db.prepare(
      `INSERT INTO item_batches (job_id, first, last, indices, thread, started_at, ended_at, ms, succeeded, failed, cancelled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // The rows that may hold an item: those starting at most MAX_ROW_SPAN before it, nearest first.
    this.near = db.prepare(
      'SELECT * FROM item_batches WHERE job_id = ? AND first <= ? AND first > ? ORDER BY first DESC',
    );
    this.ofJob = db.prepare(
      'SELECT thread, first, last, started_at, ended_at, succeeded, failed, cancelled FROM item_batches WHERE job_id = ?',
    );
  }

  /** Inside the tick's transaction. */
  write(jobId: string, rows: readonly BatchRow[]): void {
    for (const r of rows) {
      this.insert.run(
        jobId,
        r.first,
        r.last,
        r.indices === null ? null : JSON.stringify(r.indices),
        r.thread,
        r.startedAt,
        r.endedAt,
        r.ms,
        r.succeeded,
        r.failed,
        r.cancelled,
      );
    }
  }

  /** The row that ran `index`, if one did; `hint` (the row of the item before) is tried first. */
  rowOf(jobId: string, index: number, hint?: BatchRow): BatchRow | undefined {
    if (hint && rowHas(hint, index)) return hint;
    for (const stored of this.near.iterate(jobId, index, index - MAX_ROW_SPAN) as Iterable<StoredRow>) {
      if (stored.last < index) continue;
      const row = fromStored(stored);
      if (rowHas(row, index)) return row;
    }
    return undefined;
  }

  /** The job's spans per thread, merged when there are more than MAX_SPANS. */
  spans(jobId: string): { spans: TimelineSpan[]; merged: boolean } {
    const rows = this.ofJob.all(jobId) as Omit<StoredRow, 'indices' | 'ms'>[];
    const spans = rows.map(
      (row): TimelineSpan => ({
        thread: row.thread,
        start: row.started_at,
        end: row.ended_at,
        items: row.succeeded + row.failed + row.cancelled,
        first: row.first,
        last: row.last,
        succeeded: row.succeeded,
        failed: row.failed,
        cancelled: row.cancelled,
        batches: 1,
      }),
    );
    return mergeSpans(spans, MAX_SPANS);
  }
}
