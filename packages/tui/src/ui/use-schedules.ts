// The schedules, listed from the client when the screen opens and again, while
// it is open, whenever one of their runs is queued, starts or ends (see
// state/schedules.ts), never on a timer. A listing asked for while one is out
// is one more after it.
import type { JobClient, JobsView, ScheduleInfo } from '@threadline/core/client';
import { useCallback, useEffect, useRef, useSyncExternalStore } from 'react';
import { scheduleRunsKey } from '../state/schedules.js';
import { useLiveState } from './use-live-state.js';

export interface SchedulesState {
  schedules: readonly ScheduleInfo[];
  /** The first listing has arrived. */
  loaded: boolean;
  /** Why the last listing failed, until one succeeds. */
  error: string | null;
}

export interface Schedules extends SchedulesState {
  /** The schedules as listed right now, for a key handler (this render's may be older). */
  current(): readonly ScheduleInfo[];
  /** Lists them again now. */
  refresh(): void;
  /** A schedule as a pause or resume answered it, shown before the next listing. */
  put(info: ScheduleInfo): void;
  drop(id: string): void;
}

export function useSchedules(client: JobClient, view: JobsView, open: boolean): Schedules {
  const [getState, setState] = useLiveState<SchedulesState>({ schedules: [], loaded: false, error: null });
  const listing = useRef<{ out: boolean; again: boolean; stopped: boolean }>({
    out: false,
    again: false,
    stopped: false,
  });

  const refresh = useCallback(() => {
    const status = listing.current;
    if (status.out) {
      status.again = true;
      return;
    }
    status.out = true;
    void (async () => {
      do {
        status.again = false;
        try {
          const schedules = await client.schedules();
          if (!status.stopped) setState({ schedules, loaded: true, error: null });
        } catch (error) {
          if (!status.stopped)
            setState((s) => ({ ...s, error: error instanceof Error ? error.message : String(error) }));
        }
      } while (status.again && !status.stopped);
      status.out = false;
    })();
  }, [client, setState]);

  useEffect(() => {
    const status = listing.current;
    status.stopped = false;
    return () => {
      status.stopped = true;
    };
  }, []);

  const key = useSyncExternalStore(view.subscribe, () => scheduleRunsKey(view.getSnapshot()));
  useEffect(() => {
    if (open && key.startsWith('live')) refresh();
  }, [open, key, refresh]);

  const put = useCallback(
    (info: ScheduleInfo) =>
      setState((s) => ({ ...s, schedules: s.schedules.map((x) => (x.id === info.id ? info : x)) })),
    [setState],
  );
  const drop = useCallback(
    (id: string) => setState((s) => ({ ...s, schedules: s.schedules.filter((x) => x.id !== id) })),
    [setState],
  );
  const current = useCallback(() => getState().schedules, [getState]);
  return { ...getState(), current, refresh, put, drop };
}
