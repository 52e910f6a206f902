// A page of a job's items by index, from what the store keeps without a row
// per item: the succeeded items' index ranges (job_items), the failed and
// cancelled items' events (found by index through events_item_index), and the
// batch rows (batches.ts) for each item's thread and time. Keyset paging on
// the index: a page deep into a million-item job reads what the first does.
import type Database from 'better-sqlite3';
import { ValidationError } from '../protocol/errors.js';
import {
  ITEM_STATUSES,
  type ItemOutcome,
  type ItemPage,
  type ItemQuery,
  type ItemRow,
  type ItemStatus,
} from '../protocol/types.js';
import type { BatchTable } from './batches.js';
import { type BatchRow, type ItemContext, rowItems } from './item-rows.js';

/** Serves the queries by item index below; the expression is the queries' own, as SQLite needs. */
export const ITEMS_INDEX = `
CREATE INDEX IF NOT EXISTS events_item_index ON events(job_id, json_extract(data, '$.index')) WHERE type = 'item';
`;

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 500;
/** Item events read at a time while walking the indices. */
const EVENT_CHUNK = 256;

interface ItemEventRow {
  idx: number;
  outcome: ItemOutcome;
  ms: number;
  label: string | null;
  error: string | null;
}

export class ItemPages {
  private readonly events;
  private readonly eventsOf;

  constructor(
    db: Database.Database,
    private readonly batches: BatchTable,
  ) {
    const columns = `json_extract(data, '$.index') AS idx, json_extract(data, '$.outcome') AS outcome,
      json_extract(data, '$.ms') AS ms, json_extract(data, '$.label') AS label,
      json_extract(data, '$.error.message') AS error`;
    const where = `job_id = ? AND type = 'item' AND json_extract(data, '$.index') >= ?`;
    const order = `ORDER BY json_extract(data, '$.index') LIMIT ?`;
    this.events = db.prepare(`SELECT ${columns} FROM events WHERE ${where} ${order}`);
    this.eventsOf = db.prepare(
      `SELECT ${columns} FROM events WHERE ${where} AND json_extract(data, '$.outcome') = ? ${order}`,
    );
  }

  page(jobId: string, succeeded: readonly number[], query: ItemQuery, context: ItemContext): ItemPage {
    const { status } = query;
    if (status !== undefined && !ITEM_STATUSES.includes(status))
      throw new ValidationError(`status must be one of ${ITEM_STATUSES.join(', ')}, not ${String(status)}`);
    const limit = query.limit ?? DEFAULT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
      throw new ValidationError(`limit must be a whole number from 1 to ${MAX_LIMIT}, not ${limit}`);
    const from = cursorOf(query.cursor);
    // Failed items, and cancelled ones when none was dropped unrecorded, are their events alone.
    const onlyEvents = status === 'failed' || (status === 'cancelled' && context.unrecorded !== 'cancelled');
    const found = onlyEvents
      ? this.fromEvents(jobId, status, from, limit + 1)
      : this.walk(jobId, succeeded, status, from, limit + 1, context);
    const more = found.length > limit;
    const items = more ? found.slice(0, limit) : found;
    this.addRuns(jobId, items, context);
    return { items, next: more ? String(found[limit]!.index) : null };
  }

  private fromEvents(jobId: string, outcome: ItemOutcome, from: number, count: number): ItemRow[] {
    const rows = this.eventsOf.all(jobId, from, outcome, count) as ItemEventRow[];
    return rows.map(eventItem);
  }

  /** Goes up the indices from `from`, skipping over succeeded ranges and events that do not match. */
  private walk(
    jobId: string,
    succeeded: readonly number[],
    status: ItemQuery['status'],
    from: number,
    count: number,
    context: ItemContext,
  ): ItemRow[] {
    const out: ItemRow[] = [];
    let events: ItemEventRow[] = [];
    let at = 0;
    let eventsEnd = false;
    /** The first event at or after `index` (read in chunks), or undefined when there is none. */
    const eventFrom = (index: number): ItemEventRow | undefined => {
      for (;;) {
        while (at < events.length && events[at]!.idx < index) at++;
        if (at < events.length) return events[at];
        if (eventsEnd) return undefined;
        events = this.events.all(jobId, index, EVENT_CHUNK) as ItemEventRow[];
        at = 0;
        eventsEnd = events.length < EVENT_CHUNK;
      }
    };
    const gapStatus: ItemStatus = context.unrecorded;
    const wantsGap = status === undefined || status === gapStatus;
    let range = rangeAtOrAfter(succeeded, from);
    let index = from;
    while (out.length < count && index < context.known) {
      // The succeeded range holding or following `index`.
      while (range < succeeded.length && succeeded[range + 1]! <= index) range += 2;
      const start = range < succeeded.length ? succeeded[range]! : Number.POSITIVE_INFINITY;
      if (index >= start) {
        const end = Math.min(succeeded[range + 1]!, context.known);
        if (status !== undefined && status !== 'succeeded') {
          index = end;
          continue;
        }
        for (; index < end && out.length < count; index++) out.push(plainItem(index, 'succeeded'));
        continue;
      }
      // Not succeeded from here to `start`.
      const stretchEnd = Math.min(start, context.known);
      if (status === 'succeeded') {
        index = stretchEnd;
        continue;
      }
      const event = eventFrom(index);
      if (event && event.idx === index) {
        if (status === undefined || status === event.outcome) out.push(eventItem(event));
        index++;
        continue;
      }
      const nextEvent = event ? Math.min(event.idx, stretchEnd) : stretchEnd;
      if (!wantsGap) {
        index = nextEvent;
        continue;
      }
      for (; index < nextEvent && out.length < count; index++) {
        const running = context.running.has(index);
        if (status === undefined || !running || status === 'pending')
          out.push(plainItem(index, running ? 'running' : gapStatus));
      }
    }
    return out;
  }

  /** Each item's thread and time, from the batch row that ran it (or the batch running it now). */
  private addRuns(jobId: string, items: ItemRow[], context: ItemContext): void {
    let row: BatchRow | undefined;
    for (const item of items) {
      const running = context.running.get(item.index);
      if (running) {
        item.thread = running.thread;
        item.startedAt = running.startedAt;
        continue;
      }
      if (item.status === 'pending') continue;
      row = this.batches.rowOf(jobId, item.index, row);
      if (!row) continue;
      item.thread = row.thread;
      item.startedAt = row.startedAt;
      const alone = rowItems(row) === 1;
      // A failed item's own time is in its event (0 when its thread died under it: then its row's
      // time, if it ran alone); a succeeded one has its batch's mean, exact when it ran alone.
      if (item.status === 'succeeded') {
        item.ms = Math.round((row.ms / rowItems(row)) * 100) / 100;
        item.approximate = !alone;
      } else if (item.status === 'failed' && item.ms === 0 && alone) {
        item.ms = row.endedAt - row.startedAt;
      }
    }
  }
}

const plainItem = (index: number, status: ItemStatus): ItemRow => ({
  index,
  status,
  ms: null,
  approximate: false,
  thread: null,
  startedAt: null,
  label: null,
  error: null,
});

const eventItem = (event: ItemEventRow): ItemRow => ({
  ...plainItem(event.idx, event.outcome),
  // A cancelled item that never started has 0 ms: it did not run, rather than ran for no time.
  ms: event.outcome === 'cancelled' && event.ms === 0 ? null : event.ms,
  label: event.label,
  error: event.error,
});

function cursorOf(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  if (!/^\d{1,15}$/.test(cursor)) throw new ValidationError(`cursor ${cursor} is not one a page gave`);
  return Number(cursor);
}

/** The position in `[start, end, …]` of the first range ending after `index`. */
function rangeAtOrAfter(ranges: readonly number[], index: number): number {
  let lo = 0;
  let hi = ranges.length / 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid * 2 + 1]! <= index) lo = mid + 1;
    else hi = mid;
  }
  return lo * 2;
}
