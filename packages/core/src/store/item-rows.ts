// The parts of a job's item record that need no database: a batch's rows, the
// spans a timeline is drawn from, and what an item page needs to know of a live
// job. Apart from batches.ts and items.ts because store.ts's declarations import
// them, and a user's compiler reads those without better-sqlite3's types.
import type { ItemOutcome, Timeline, TimelineSpan } from '../protocol/types.js';

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

/** What the store cannot know of a job by itself, from whoever holds it. */
export interface ItemContext {
  /** How many items the job has (its total, or those listed so far). */
  known: number;
  /** What an item without an outcome is: `cancelled` in a job that ended (dropped at its cancel), else `pending`. */
  unrecorded: 'pending' | 'cancelled';
  /** Items out on a thread now, by index: their thread and start. */
  running: ReadonlyMap<number, { thread: number; startedAt: number }>;
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
