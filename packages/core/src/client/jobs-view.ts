// What a UI knows of jobs, kept live from any JobClient: a listing for the jobs
// that exist, then the event stream folded in by the one reducer. After a
// broken stream (a server restarting, a dropped connection) it resumes from the
// last event seen, so nothing is missed or counted twice. Events may arrive
// thousands of times a second; listeners are told at most once per interval.
// No Node or DOM APIs beyond timers: the TUI (Ink) and the page (React's
// useSyncExternalStore) use the same view.

import {
  ACTIVE_STATES,
  type DeletedEvent,
  FINAL_STATES,
  isFinal,
  type JobClient,
  type JobEvent,
  type JobSnapshot,
} from '../protocol/types.js';
import { applyEvent, deletedBy, mergeJob } from './apply-event.js';
import { backoffMs } from './backoff.js';
import { compareJobs } from './order.js';

/** 'connecting' until the first listing; 'reconnecting' after any failure, until the source answers again. */
export type JobsConnection = 'connecting' | 'live' | 'reconnecting';

export interface JobsViewState {
  /** Every job held, in display order (see `compareJobs`): active ones first, then finished ones. */
  jobs: readonly JobSnapshot[];
  /** Queued, running and cancelling jobs, in display order. */
  active: readonly JobSnapshot[];
  /** Finished jobs, the latest to finish first. */
  finished: readonly JobSnapshot[];
  /** The source holds no finished job older than those listed: `loadMore()` has nothing to add. */
  finishedComplete: boolean;
  connection: JobsConnection;
  /** Why the last attempt failed, while reconnecting. */
  error: string | null;
  /** The first listing has arrived. */
  loaded: boolean;
  /** `deleted` events seen: a UI showing jobs this view does not hold (a search) reads them again when it moves. */
  deletions: number;
  /** Bumped with every notification. */
  version: number;
}

export interface JobsViewOptions {
  /** Shortest time between two notifications; default 100 ms (10 renders a second). */
  intervalMs?: number;
  /** Finished jobs listed at start, and per `loadMore()`; default 50. */
  pageSize?: number;
  /** Finished jobs kept in memory; the oldest are forgotten first. Default: no limit. */
  maxFinished?: number;
  /** First wait before reconnecting; it doubles on each failure in a row, up to `maxRetryMs`. Default 500 ms. */
  retryMs?: number;
  /** Default 5000 ms. */
  maxRetryMs?: number;
}

export interface JobsView {
  /** Calls `listener` after changes, at most once per interval; returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** The state as of the last notification: the same object until the next one (as useSyncExternalStore needs). */
  getSnapshot(): JobsViewState;
  /** A job as known right now, between notifications too. */
  get(jobId: string): JobSnapshot | undefined;
  /** Merges snapshots read elsewhere (the job `start()` returned); an older state never replaces a newer one. */
  put(jobs: Iterable<JobSnapshot>): void;
  /** Whether a `deleted` event since this view opened took the job (a details panel's, read before it). */
  isDeleted(job: Pick<JobSnapshot, 'id' | 'state' | 'finishedAt'>): boolean;
  /** Lists the next page of older finished jobs. */
  loadMore(): Promise<void>;
  /** Stops following and notifying. */
  close(): void;
}

/** Active jobs listed at start: all of them, as far as a UI can show. */
const ACTIVE_LIMIT = 1000;
/** Ids of deleted jobs remembered (so a late read cannot bring one back); the oldest are forgotten first. */
const DELETED_KEPT = 10_000;

/** Lists `client`'s jobs, follows its events from then on, and keeps the result for a UI. */
export function jobsView(client: JobClient, options: JobsViewOptions = {}): JobsView {
  const intervalMs = options.intervalMs ?? 100;
  const pageSize = options.pageSize ?? 50;
  const maxFinished = options.maxFinished ?? Number.POSITIVE_INFINITY;
  const retryMs = options.retryMs ?? 500;
  const maxRetryMs = options.maxRetryMs ?? 5000;

  const jobs = new Map<string, JobSnapshot>();
  const listeners = new Set<() => void>();
  const closing = new AbortController();
  const fetching = new Set<string>();
  let connection: JobsConnection = 'connecting';
  let error: string | null = null;
  let loaded = false;
  let finishedComplete = false;
  /** The oldest finished job of the last page listed: where `loadMore()` goes on. */
  let cursor: string | undefined;
  let loadingMore: Promise<void> | undefined;
  /** What `deleted` events took: ids, and the latest time a clear too large to list cleared up to. */
  const deletedIds = new Set<string>();
  let clearedBefore: DeletedEvent | undefined;
  let deletions = 0;
  let state: JobsViewState = {
    jobs: [],
    active: [],
    finished: [],
    finishedComplete,
    connection,
    error,
    loaded,
    deletions,
    version: 0,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastNotify = Number.NEGATIVE_INFINITY;

  const schedule = () => {
    if (timer !== undefined || closing.signal.aborted) return;
    timer = setTimeout(notify, Math.max(0, lastNotify + intervalMs - Date.now()));
  };

  const notify = () => {
    timer = undefined;
    lastNotify = Date.now();
    let sorted = [...jobs.values()].sort(compareJobs);
    const firstFinished = sorted.findIndex((job) => isFinal(job.state));
    const split = firstFinished < 0 ? sorted.length : firstFinished;
    if (sorted.length - split > maxFinished) {
      for (const job of sorted.slice(split + maxFinished)) jobs.delete(job.id);
      sorted = sorted.slice(0, split + maxFinished);
      finishedComplete = false;
    }
    state = {
      jobs: sorted,
      active: sorted.slice(0, split),
      finished: sorted.slice(split),
      finishedComplete,
      connection,
      error,
      loaded,
      deletions,
      version: state.version + 1,
    };
    for (const listener of listeners) listener();
  };

  const isDeleted = (job: Pick<JobSnapshot, 'id' | 'state' | 'finishedAt'>) =>
    deletedIds.has(job.id) || (clearedBefore !== undefined && deletedBy(clearedBefore, job));

  const put = (snapshots: Iterable<JobSnapshot>) => {
    // A read that crossed a deletion (asked before it, answered after) must not bring its job back.
    for (const job of snapshots) if (!isDeleted(job)) jobs.set(job.id, mergeJob(jobs.get(job.id), job));
    schedule();
  };

  const remember = (event: DeletedEvent) => {
    deletions++;
    if (event.jobIds === null) {
      if (event.finishedBefore !== null && event.finishedBefore > (clearedBefore?.finishedBefore ?? 0))
        clearedBefore = event;
      return;
    }
    for (const id of event.jobIds) {
      deletedIds.delete(id);
      deletedIds.add(id);
    }
    for (const id of deletedIds) {
      if (deletedIds.size <= DELETED_KEPT) break;
      deletedIds.delete(id);
    }
  };

  const setConnection = (next: JobsConnection, why: string | null) => {
    if (next === connection && why === error) return;
    connection = next;
    error = why;
    schedule();
  };

  /** A job an event names that this view does not hold (it started between the listing and the stream). */
  const fetchUnknown = (jobId: string) => {
    if (fetching.has(jobId)) return;
    fetching.add(jobId);
    client
      .get(jobId)
      .then((job) => {
        if (job && !closing.signal.aborted) put([job]);
      })
      .catch(() => {})
      .finally(() => fetching.delete(jobId));
  };

  const apply = (event: JobEvent) => {
    if (event.type === 'deleted') {
      remember(event);
      applyEvent(jobs, event);
      schedule();
      return;
    }
    const before = jobs.get(event.jobId);
    if (!applyEvent(jobs, event)) fetchUnknown(event.jobId);
    else if (jobs.get(event.jobId) !== before) schedule();
  };

  const listFirst = async () => {
    const [active, finished] = await Promise.all([
      client.list({ state: [...ACTIVE_STATES], limit: ACTIVE_LIMIT }),
      client.list({ state: [...FINAL_STATES], limit: pageSize }),
    ]);
    put([...finished, ...active]);
    cursor = finished.at(-1)?.id;
    finishedComplete = finished.length < pageSize;
    loaded = true;
  };

  const follow = async () => {
    let after: number | undefined;
    let failures = 0;
    while (!closing.signal.aborted) {
      // One controller per attempt, so a failed attempt's stream is closed before the next opens.
      const attempt = new AbortController();
      const stop = () => attempt.abort();
      closing.signal.addEventListener('abort', stop, { once: true });
      const startedAt = Date.now();
      let delivered = false;
      let iterator: AsyncIterator<JobEvent> | undefined;
      try {
        const stream = client.events({ signal: attempt.signal, ...(after === undefined ? {} : { after }) });
        iterator = stream[Symbol.asyncIterator]();
        // Ask for the first event before listing: the stream is then open while
        // the listing is read, so each event is in the listing or in the stream.
        const first = iterator.next();
        first.catch(() => {});
        // Resuming replays every event since `after`: a listing would count them twice.
        // A one-job listing still proves the source answers before the view says live.
        if (after === undefined) await listFirst();
        else await client.list({ limit: 1 });
        if (closing.signal.aborted) return;
        setConnection('live', null);
        for (let next = await first; !next.done; next = await iterator.next()) {
          after = next.value.seq;
          delivered = true;
          apply(next.value);
        }
        if (closing.signal.aborted) return;
        throw new Error('the event stream ended');
      } catch (reason) {
        if (closing.signal.aborted) return;
        // An attempt that worked for a while starts the waits over.
        failures = delivered || Date.now() - startedAt > maxRetryMs ? 1 : failures + 1;
        setConnection('reconnecting', reason instanceof Error ? reason.message : String(reason));
        attempt.abort();
        await pause(backoffMs(failures - 1, { firstMs: retryMs, maxMs: maxRetryMs }), closing.signal);
      } finally {
        closing.signal.removeEventListener('abort', stop);
        attempt.abort();
        iterator?.return?.().catch(() => {});
      }
    }
  };

  void follow();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    getSnapshot: () => state,
    get: (jobId) => jobs.get(jobId),
    put,
    isDeleted,
    loadMore() {
      loadingMore ??= (async () => {
        try {
          const page = await client.list({
            state: [...FINAL_STATES],
            limit: pageSize,
            ...(cursor === undefined ? {} : { before: cursor }),
          });
          put(page);
          cursor = page.at(-1)?.id ?? cursor;
          finishedComplete = page.length < pageSize;
          schedule();
        } finally {
          loadingMore = undefined;
        }
      })();
      return loadingMore;
    },
    close() {
      closing.abort();
      clearTimeout(timer);
      timer = undefined;
      listeners.clear();
    },
  };
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(wait);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const wait = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
