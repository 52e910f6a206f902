// Keeps a JobsStore in step with a JobClient: a listing for the jobs that
// exist, then the event stream; after a broken stream (a server restarting),
// resumes from the last event seen, so nothing is missed or counted twice.
import { setTimeout as sleep } from 'node:timers/promises';
import type { JobClient, JobEvent, JobState } from '@threadline/core';
import type { JobsStore } from './jobs-store.js';

export interface FollowStatus {
  state: 'connecting' | 'live' | 'retrying';
  error: string | null;
}

export interface FollowOptions {
  signal: AbortSignal;
  onStatus?: (status: FollowStatus) => void;
  /** Wait before reconnecting a broken stream; default 1000 ms. */
  retryMs?: number;
  /** Finished jobs listed at start; default 100. */
  recent?: number;
}

const ACTIVE: JobState[] = ['queued', 'running', 'cancelling'];

export async function followJobs(client: JobClient, store: JobsStore, options: FollowOptions): Promise<void> {
  const { signal, onStatus = () => {} } = options;
  let after: number | undefined;
  const fetching = new Set<string>();
  const fetchUnknown = (jobId: string) => {
    if (fetching.has(jobId)) return;
    fetching.add(jobId);
    client
      .get(jobId)
      .then((job) => job && store.put([job]))
      .catch(() => {})
      .finally(() => fetching.delete(jobId));
  };

  while (!signal.aborted) {
    // One controller per attempt, so a failed attempt's subscription is closed before the next opens.
    const attempt = new AbortController();
    const stop = () => attempt.abort();
    signal.addEventListener('abort', stop, { once: true });
    try {
      onStatus({ state: after === undefined ? 'connecting' : 'retrying', error: null });
      const stream = client.events({ signal: attempt.signal, ...(after === undefined ? {} : { after }) });
      const iterator = stream[Symbol.asyncIterator]();
      // Ask for the first event before listing: the subscription is then open
      // while the listing is read, so each event is in the listing or the stream.
      const first = iterator.next();
      first.catch(() => {});
      if (after === undefined) {
        const [active, recent] = await Promise.all([
          client.list({ state: ACTIVE, limit: 1000 }),
          client.list({ limit: options.recent ?? 100 }),
        ]);
        store.put([...recent, ...active]);
      }
      onStatus({ state: 'live', error: null });
      for (let next = await first; !next.done; next = await iterator.next()) {
        const event: JobEvent = next.value;
        after = event.seq;
        if (!store.apply(event)) fetchUnknown(event.jobId);
      }
      if (signal.aborted) return;
      throw new Error('the event stream ended');
    } catch (error) {
      attempt.abort();
      if (signal.aborted) return;
      onStatus({ state: 'retrying', error: error instanceof Error ? error.message : String(error) });
      await pause(options.retryMs ?? 1000, signal);
    } finally {
      signal.removeEventListener('abort', stop);
      attempt.abort();
    }
  }
}

/** Waits `ms`, or less if `signal` aborts; never rejects. */
const pause = (ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => {});
