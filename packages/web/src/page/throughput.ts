// Items per second over a job's run, from its own event stream replayed from
// the start (succeeded items come counted, one `items` event a tick; failed and
// cancelled ones one `item` event each), followed live until it finishes. At
// most 4 renders a second, whatever the rate.
import type { JobEvent } from '@threadline/core/client';
import { useEffect, useState } from 'react';
import { client } from './api';

const RENDER_MS = 250;

export interface Throughput {
  /** Items that got an outcome, by second since the first event: [succeeded, other]. */
  seconds: [number, number][];
  /** ms of the job's first event (its `queued`), from which seconds count. */
  from: number | null;
  done: boolean;
}

export function useThroughput(jobId: string): Throughput {
  const [state, setState] = useState<Throughput>({ seconds: [], from: null, done: false });
  useEffect(() => {
    const stop = new AbortController();
    const seconds: [number, number][] = [];
    let from: number | null = null;
    let started: number | null = null;
    let dirty = false;
    const add = (event: JobEvent, succeeded: number, other: number) => {
      // Seconds count from the start: a queued job waiting its turn has no throughput yet.
      const zero = started ?? from ?? event.at;
      const second = Math.max(0, Math.floor((event.at - zero) / 1000));
      while (seconds.length <= second) seconds.push([0, 0]);
      seconds[second]![0] += succeeded;
      seconds[second]![1] += other;
      dirty = true;
    };
    const flush = (done = false) => {
      if (!dirty && !done) return;
      dirty = false;
      setState({ seconds: seconds.map((s) => [s[0], s[1]]), from: started ?? from, done });
    };
    const timer = setInterval(flush, RENDER_MS);
    void (async () => {
      try {
        for await (const event of client.events({ jobId, after: 0, signal: stop.signal })) {
          from ??= event.at;
          if (event.type === 'started') started = event.at;
          else if (event.type === 'items') add(event, event.succeeded, 0);
          else if (event.type === 'item')
            add(event, event.outcome === 'succeeded' ? 1 : 0, event.outcome === 'succeeded' ? 0 : 1);
          else if (event.type === 'finished') {
            flush(true);
            return;
          }
        }
      } catch {
        // The stream broke (the server is away): the chart keeps what it has; the panel says the rest.
      } finally {
        clearInterval(timer);
      }
    })();
    return () => {
      stop.abort();
      clearInterval(timer);
    };
  }, [jobId]);
  return state;
}
