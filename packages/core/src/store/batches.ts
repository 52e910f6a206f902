// Where and when a job's items ran, kept compactly: a row per batch a thread
// ran (its items as a first..last range, or their list when not consecutive),
// not per item. Slow items travel alone, so their rows are exact; a million
// tiny items share about 500 rows (bench measure `items` holds the store to
// its size goal). The timeline reads the rows as spans per thread.
import type Database from 'better-sqlite3';
import type { ItemOutcome, Timeline, TimelineSpan } from '../protocol/types.js';

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

/**
 * A row's items span at most this many indices: a batch whose items are far apart (a resume
 * skipped those between) is cut into rows, so that finding an item's row reads a bounded stretch.
 */
export const MAX_ROW_SPAN = 4096;
/** More spans than this and adjacent ones of a thread are merged: a lane is not wider than a screen's pixels many times over. */
export const MAX_SPANS = 3000;

/** A stretch of a batch's items as stored. */
export interface BatchRow {
  thread: number;
  first: number;
  last: number;
  /** Every item's index, when they are not first..last one by one. */
  indices: number[] | null;
  startedAt: number;
  endedAt: number;
  /** The time its items took as their thread measured it, summed. */
  ms: number;
  succeeded: number;
  failed: number;
  cancelled: number;
}

/** The number of items of a row. */
export const rowItems = (row: BatchRow): number => row.succeeded + row.failed + row.cancelled;

export const rowHas = (row: BatchRow, index: number): boolean =>
  index >= row.first && index <= row.last && (row.indices === null || row.indices.includes(index));

/**
 * The rows of one batch's `count` settled items, the `i`th at `indexAt(i)` with outcome
 * `outcomeAt(i)`: one row unless its items spread wider than MAX_ROW_SPAN. No object per item:
 * this runs for every batch of a million-item job.
 */
export function batchRows(
  batch: { thread: number; startedAt: number; endedAt: number; ms: number },
  count: number,
  indexAt: (i: number) => number,
  outcomeAt: (i: number) => ItemOutcome,
): BatchRow[] {
  const rows: BatchRow[] = [];
  let from = 0;
  while (from < count) {
    const first = indexAt(from);
    let to = from;
    let consecutive = true;
    const counts = { succeeded: 0, failed: 0, cancelled: 0 };
    for (; to < count; to++) {
      const index = indexAt(to);
      if (index - first >= MAX_ROW_SPAN) break;
      if (index !== first + (to - from)) consecutive = false;
      counts[outcomeAt(to)]++;
    }
    const indices = consecutive ? null : Array.from({ length: to - from }, (_, i) => indexAt(from + i));
    rows.push({
      thread: batch.thread,
      first,
      last: indexAt(to - 1),
      indices,
      startedAt: batch.startedAt,
      endedAt: batch.endedAt,
      ms: (batch.ms * (to - from)) / count,
      ...counts,
    });
    from = to;
  }
  return rows;
}

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

/**
 * Sorts spans by thread and start and, when there are more than `max`, merges runs of a thread's
 * neighbours: first only across gaps under a thousandth of the run (a pause nobody could see),
 * so that idle stretches stay visible, then whatever the gap, until at most `max` are left.
 */
export function mergeSpans(input: TimelineSpan[], max: number): { spans: TimelineSpan[]; merged: boolean } {
  const spans = [...input].sort((a, b) => a.thread - b.thread || a.start - b.start);
  if (spans.length <= max) return { spans, merged: false };
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const span of spans) {
    from = Math.min(from, span.start);
    to = Math.max(to, span.end ?? span.start);
  }
  // Runs of `per` neighbours, not a thread's whole busy stretch: where in the run failures were stays visible.
  let merged = joinNeighbours(spans, (to - from) / 1000, Math.ceil(spans.length / max));
  // Still too many (threads busy without a pause): merge runs whatever the gap.
  if (merged.length > max)
    merged = joinNeighbours(merged, Number.POSITIVE_INFINITY, Math.ceil(merged.length / max));
  return { spans: merged, merged: true };
}

function joinNeighbours(spans: TimelineSpan[], maxGap: number, maxRun: number): TimelineSpan[] {
  const out: TimelineSpan[] = [];
  let run = 0;
  for (const span of spans) {
    const last = out[out.length - 1];
    const joins =
      last !== undefined &&
      last.thread === span.thread &&
      last.end !== null &&
      span.end !== null &&
      span.start - last.end <= maxGap &&
      run < maxRun;
    if (!joins) {
      out.push({ ...span });
      run = 1;
      continue;
    }
    last.end = Math.max(last.end!, span.end!);
    last.items += span.items;
    last.first = Math.min(last.first, span.first);
    last.last = Math.max(last.last, span.last);
    last.succeeded += span.succeeded;
    last.failed += span.failed;
    last.cancelled += span.cancelled;
    last.batches += span.batches;
    run++;
  }
  return out;
}

/** A timeline from its spans: lanes for every thread the pool has and any a span names. */
export function timelineOf(
  spans: { spans: TimelineSpan[]; merged: boolean },
  poolSize: number,
  job: { startedAt: number | null; finishedAt: number | null },
): Timeline {
  const threads = spans.spans.reduce((n, span) => Math.max(n, span.thread + 1), poolSize);
  return { threads, startedAt: job.startedAt, finishedAt: job.finishedAt, ...spans };
}
