// A job's items one by one and its batches across the worker threads, as the
// details view shows them: a page of items by index, and a timeline of spans.
// The store keeps a row per batch, not per item (see store/batches.ts): an
// item that shared its batch has the batch's mean duration, marked so.

/** What a page of items is filtered by: an item that is running counts as pending. */
export const ITEM_STATUSES = ['succeeded', 'failed', 'cancelled', 'pending'] as const;
export type ItemStatusFilter = (typeof ITEM_STATUSES)[number];
export type ItemStatus = ItemStatusFilter | 'running';

export interface ItemQuery {
  status?: ItemStatusFilter;
  /** The `next` of the page before. */
  cursor?: string;
  /** Default 50, at most 500. */
  limit?: number;
}

export interface ItemRow {
  /** Its position in the job, from 0 (a page shows it from 1). */
  index: number;
  status: ItemStatus;
  /** How long it ran (ms); null when it ran nowhere here (pending, taken over by a resume, never started). */
  ms: number | null;
  /** `ms` is the mean of the batch it shared with other items, not its own time. */
  approximate: boolean;
  /** The worker thread it ran on, from 0; null when it did not run. */
  thread: number | null;
  /** When it started, at the latest (its batch's start, ms since the epoch). */
  startedAt: number | null;
  /** Its short name, known for failed and cancelled items. */
  label: string | null;
  /** Why it failed. */
  error: string | null;
}

export interface ItemPage {
  items: ItemRow[];
  /** Where the next page starts; null on the last. */
  next: string | null;
}

/** One thread's stretch of work: a batch, or adjacent batches merged on a long job. */
export interface TimelineSpan {
  thread: number;
  start: number;
  /** Null while it still runs. */
  end: number | null;
  /** How many items it ran, and the first and last of them by index. */
  items: number;
  first: number;
  last: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** How many batches it stands for (1 unless merged). */
  batches: number;
}

export interface Timeline {
  /** How many lanes: the pool's threads (a thread that ran nothing of the job is an empty lane). */
  threads: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** By thread, then start. */
  spans: TimelineSpan[];
  /** Adjacent spans were merged to keep the answer small. */
  merged: boolean;
}
