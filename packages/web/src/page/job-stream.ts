// The details panel's one event stream: the job's events replayed from the
// start and followed until it finishes, feeding everything the panel shows
// live (the throughput chart, the failures, the log tail, and the item views'
// cue to read again). Its details are read once on open, for a first paint;
// the stream, resumed from its last seq after a drop, misses nothing after.
import {
  backoffMs,
  type ItemEvent,
  type JobDetails,
  type JobEvent,
  type JobSnapshot,
  type LogEvent,
} from '@threadline/core/client';
import { useEffect, useState } from 'react';
import { client, messageOf } from './api';
import { jobs } from './store';
import { NO_THROUGHPUT, type Throughput, ThroughputCounter } from './throughput';

/** Log lines kept and shown: the tail. */
const LOG_TAIL = 200;
/** Failed items kept for the failures table: the first ones (the items table pages through all). */
export const FAILURES_KEPT = 500;
/** At most 4 renders a second, whatever the rate of events. */
const RENDER_MS = 250;

export interface JobStream {
  job: JobSnapshot | undefined;
  failures: ItemEvent[];
  logs: LogEvent[];
  loaded: boolean;
  error: string | undefined;
  throughput: Throughput;
  /** Goes up when items got an outcome or the job changed state: the item views read again then. */
  changes: number;
  /** The time of the latest event: how far a span still running reaches. */
  lastAt: number | null;
}

const EMPTY: JobStream = {
  job: undefined,
  failures: [],
  logs: [],
  loaded: false,
  error: undefined,
  throughput: NO_THROUGHPUT,
  changes: 0,
  lastAt: null,
};

/** Adds what `extra` has that `list` lacks (by seq), in seq order; keeps the first or last `max`. */
function mergeBySeq<T extends { seq: number }>(
  list: T[],
  extra: T[],
  max: number,
  keep: 'first' | 'last',
): T[] {
  if (extra.length === 0) return list;
  const seen = new Set(list.map((e) => e.seq));
  const fresh = extra.filter((e) => !seen.has(e.seq));
  if (fresh.length === 0) return list;
  const merged = [...list, ...fresh].sort((a, b) => a.seq - b.seq);
  if (merged.length <= max) return merged;
  return keep === 'first' ? merged.slice(0, max) : merged.slice(-max);
}

/** Events that change what the items table and the timeline show. */
const CHANGES: ReadonlySet<JobEvent['type']> = new Set([
  'started',
  'items',
  'item',
  'cancelling',
  'finished',
]);

export function useJobStream(id: string): JobStream {
  const [state, setState] = useState<JobStream>(EMPTY);
  useEffect(() => {
    setState(EMPTY);
    const stop = new AbortController();
    const counter = new ThroughputCounter();
    let failures: ItemEvent[] = [];
    let logs: LogEvent[] = [];
    let newFailures: ItemEvent[] = [];
    let newLogs: LogEvent[] = [];
    let changes = 0;
    let lastAt: number | null = null;
    let done = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    const render = () => {
      timer = undefined;
      if (stop.signal.aborted) return;
      failures = mergeBySeq(failures, newFailures, FAILURES_KEPT, 'first');
      logs = mergeBySeq(logs, newLogs, LOG_TAIL, 'last');
      newFailures = [];
      newLogs = [];
      const throughput = counter.snapshot(done);
      setState((s) => ({ ...s, failures, logs, throughput, changes, lastAt }));
    };
    const soon = () => {
      timer ??= setTimeout(render, RENDER_MS);
    };

    const read = async () => {
      try {
        const details: JobDetails | undefined = await client.details(id);
        if (stop.signal.aborted) return;
        if (!details) {
          stop.abort();
          setState((s) => ({ ...s, loaded: true, error: `There is no job ${id}.` }));
          return;
        }
        jobs.put([details.job]);
        newFailures.push(...details.failures);
        newLogs.push(...details.logs);
        setState((s) => ({ ...s, job: details.job, loaded: true, error: undefined }));
        render();
      } catch (e) {
        if (!stop.signal.aborted) setState((s) => ({ ...s, loaded: true, error: messageOf(e) }));
      }
    };

    const apply = (event: JobEvent) => {
      lastAt = event.at;
      counter.add(event);
      if (event.type === 'item' && event.outcome === 'failed') newFailures.push(event);
      else if (event.type === 'log') newLogs.push(event);
      if (CHANGES.has(event.type)) changes++;
      soon();
    };

    const follow = async () => {
      let after = 0;
      for (let attempt = 0; !stop.signal.aborted; attempt++) {
        try {
          for await (const event of client.events({ jobId: id, after, signal: stop.signal })) {
            after = event.seq;
            attempt = 0;
            apply(event);
            if (event.type === 'finished') {
              done = true;
              clearTimeout(timer);
              render();
              return;
            }
          }
        } catch {
          // The page's banner says the server is away; the stream resumes after its last event.
        }
        if (stop.signal.aborted) return;
        await new Promise((resolve) =>
          setTimeout(resolve, backoffMs(attempt, { firstMs: 500, maxMs: 5000 })),
        );
      }
    };

    void read();
    void follow();
    return () => {
      stop.abort();
      clearTimeout(timer);
    };
  }, [id]);
  return state;
}
