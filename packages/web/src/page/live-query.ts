// A read the details panel repeats when its job's events say something changed
// (a cue from job-stream.ts), never on a timer: at once on the first cue after
// a quiet second, else once at the end of that second, however many came.
import { useEffect, useRef, useState } from 'react';
import { messageOf } from './api';

const THROTTLE_MS = 1000;

export interface LiveQuery<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
}

/** `load` runs when `key` changes and again, throttled, when `changes` goes up. */
export function useLiveQuery<T>(load: () => Promise<T>, key: string, changes: number): LiveQuery<T> {
  const [state, setState] = useState<LiveQuery<T>>({ data: undefined, error: undefined, loading: true });
  const latest = useRef(load);
  latest.current = load;
  const run = useRef<{ asked: number; lastAt: number; timer: ReturnType<typeof setTimeout> | undefined }>({
    asked: 0,
    lastAt: 0,
    timer: undefined,
  });

  const fetchNow = useRef(() => {
    const r = run.current;
    r.timer = undefined;
    r.lastAt = Date.now();
    const ask = ++r.asked;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => {
        if (ask === run.current.asked) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (ask === run.current.asked) setState((s) => ({ ...s, error: messageOf(error), loading: false }));
      },
    );
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: `key` names what `load` reads.
  useEffect(() => {
    const r = run.current;
    clearTimeout(r.timer);
    fetchNow.current();
    return () => {
      clearTimeout(r.timer);
      r.timer = undefined;
      // A late answer for the old key must not land.
      r.asked++;
    };
  }, [key]);

  const seen = useRef(changes);
  useEffect(() => {
    if (changes === seen.current) return;
    seen.current = changes;
    const r = run.current;
    if (r.timer !== undefined) return;
    const wait = r.lastAt + THROTTLE_MS - Date.now();
    if (wait <= 0) fetchNow.current();
    else r.timer = setTimeout(() => fetchNow.current(), wait);
  }, [changes]);

  return state;
}
