// The history as the server finds it: one query per filter, pages appended by
// "Load older jobs", and the counts per state over the whole history. Read again
// (as many jobs as are shown) when the live view sees a job queued or finish, at
// most once a second, so tabs and rows follow what happens without polling.
import {
  JOB_STATES,
  type JobPage,
  type JobQuery,
  type JobSnapshot,
  type JobState,
  type JobsViewState,
} from '@threadline/core/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { DELETED } from './actions';
import { client, messageOf } from './api';

export const FIND_PAGE = 50;
/** The most a refresh reads at once (the router's limit). */
const MOST = 1000;
const REFRESH_MS = 1000;
/** Typing waits this long for the next key before asking. */
const TYPING_MS = 200;

export interface Found {
  jobs: JobSnapshot[];
  counts: Record<JobState, number> | undefined;
  /** Set when the counts stopped at this many matches: each is then at least what it says. */
  countLimit: number | undefined;
  next: string | null;
  loading: boolean;
  error: string | undefined;
  more(): Promise<void>;
  /** Reads the shown jobs again now (after a delete). */
  refresh(): void;
}

/** How many jobs of the whole history the query matches, from the page's counts. */
function totalOf(page: JobPage, query: JobQuery): number {
  const states: readonly JobState[] = query.state === undefined ? JOB_STATES : [query.state].flat();
  return states.reduce((sum, state) => sum + page.counts[state], 0);
}

/** What of the live view changes the history: a job queued, started, finished or deleted. */
const changesOf = (view: JobsViewState) =>
  `${view.active.map((job) => `${job.id}:${job.state}`).join(',')}|${view.finished.length}|${view.deletions}`;

export function useFind(query: JobQuery, view: JobsViewState): Found {
  const key = JSON.stringify(query);
  const [page, setPage] = useState<{ key: string } & JobPage>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const shown = useRef(0);
  shown.current = page?.key === key ? page.jobs.length : 0;
  const asked = useRef(0);
  const pageRef = useRef(page);
  pageRef.current = page;

  /** The jobs of this filter in the whole history, as its last page counted them. */
  const matching = useRef<{ key: string; total: number } | undefined>(undefined);

  const read = useCallback(
    async (limit: number) => {
      const ask = ++asked.current;
      const query = JSON.parse(key) as JobQuery;
      setLoading(true);
      try {
        let found = await client.find!({ ...query, limit });
        // More jobs came than the view could tell (it keeps only so many): read them all, so a
        // burst of new jobs pushes none of the shown ones out.
        const before = matching.current?.key === key ? matching.current.total : undefined;
        const grown = before === undefined ? 0 : totalOf(found, query) - before;
        const wanted = Math.min(MOST, shown.current + grown);
        if (found.next !== null && found.jobs.length < wanted && ask === asked.current)
          found = await client.find!({ ...query, limit: wanted });
        if (ask !== asked.current) return;
        matching.current = { key, total: totalOf(found, query) };
        setPage({ key, ...found });
        setError(undefined);
      } catch (e) {
        if (ask === asked.current) setError(messageOf(e));
      } finally {
        if (ask === asked.current) setLoading(false);
      }
    },
    [key],
  );

  // A new filter: its first page (after a pause in typing; the page's first, at once).
  useEffect(() => {
    const timer = setTimeout(() => void read(FIND_PAGE), pageRef.current === undefined ? 0 : TYPING_MS);
    return () => clearTimeout(timer);
  }, [read]);

  // The live view saw something change: the shown jobs again, at most once a second.
  const changes = changesOf(view);
  const viewRef = useRef(view);
  viewRef.current = view;
  /** The shown jobs and those the view saw start since: a burst of new jobs pushes none out. */
  const toRead = useCallback(() => {
    const newest = pageRef.current?.key === key ? pageRef.current.jobs[0]?.createdAt : undefined;
    const newer =
      newest === undefined ? 0 : viewRef.current.jobs.filter((job) => job.createdAt > newest).length;
    return Math.min(MOST, Math.max(FIND_PAGE, shown.current + newer));
  }, [key]);
  const last = useRef({ changes, at: 0 });
  useEffect(() => {
    if (last.current.changes === changes || !view.loaded) return;
    const wait = Math.max(0, last.current.at + REFRESH_MS - Date.now());
    const timer = setTimeout(() => {
      last.current = { changes, at: Date.now() };
      void read(toRead());
    }, wait);
    return () => clearTimeout(timer);
  }, [changes, view.loaded, read, toRead]);

  // A job deleted here (a row, the details): the shown jobs again, at once.
  useEffect(() => {
    const again = () => void read(toRead());
    window.addEventListener(DELETED, again);
    return () => window.removeEventListener(DELETED, again);
  }, [read, toRead]);

  const more = async () => {
    if (!page?.next) return;
    const ask = ++asked.current;
    setLoading(true);
    try {
      const older = await client.find!({ ...query, limit: FIND_PAGE, cursor: page.next });
      if (ask !== asked.current) return;
      setPage({ ...older, key, jobs: [...page.jobs, ...older.jobs] });
      setError(undefined);
    } catch (e) {
      if (ask === asked.current) setError(messageOf(e));
    } finally {
      if (ask === asked.current) setLoading(false);
    }
  };

  // A new filter's first page replaces the last one's when it comes, not before: no blank flash.
  return {
    jobs: page?.jobs ?? [],
    counts: page?.counts,
    countLimit: page?.countLimit,
    next: page?.key === key ? page.next : null,
    loading: loading || page?.key !== key,
    error,
    more,
    refresh: () => void read(toRead()),
  };
}
