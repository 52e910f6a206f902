// The page's schedules: listed from the server, and listed again when a run of
// one is queued, starts or ends, which the jobs view's events tell (a schedule's
// next run and latest run change only then), never on a timer.
import type { ScheduleInfo } from '@threadline/core/client';
import { useEffect, useSyncExternalStore } from 'react';
import { client, messageOf } from './api';
import { jobs } from './store';

export interface SchedulesState {
  schedules: readonly ScheduleInfo[];
  /** The first listing has arrived. */
  loaded: boolean;
  /** Why the last listing failed, until one succeeds. */
  error: string | undefined;
}

let state: SchedulesState = { schedules: [], loaded: false, error: undefined };
const listeners = new Set<() => void>();

function set(change: Partial<SchedulesState>): void {
  state = { ...state, ...change };
  for (const listener of listeners) listener();
}

let listing: Promise<void> | undefined;
let again = false;

/** Lists the schedules; a call while a listing is out asks for one more after it, not one each. */
export function refreshSchedules(): Promise<void> {
  if (listing) {
    again = true;
    return listing;
  }
  listing = (async () => {
    do {
      again = false;
      try {
        set({ schedules: await client.schedules(), loaded: true, error: undefined });
      } catch (error) {
        set({ error: messageOf(error) });
      }
    } while (again);
  })().finally(() => {
    listing = undefined;
  });
  return listing;
}

/** A schedule as a pause or resume answered it, shown before the next listing. */
export function putSchedule(info: ScheduleInfo): void {
  set({ schedules: state.schedules.map((s) => (s.id === info.id ? info : s)) });
}

export function dropSchedule(id: string): void {
  set({ schedules: state.schedules.filter((s) => s.id !== id) });
}

const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/**
 * What a listing depends on, as the jobs view knows it: the schedules' runs that are queued
 * or running, and their states. It changes when a run is queued, starts or ends (and when
 * the view comes back after a disconnect), not with each progress event.
 */
function runsKey(): string {
  const view = jobs.getSnapshot();
  if (view.connection !== 'live') return view.connection;
  let key = 'live';
  for (const job of view.active) if (job.scheduleId !== null) key += ` ${job.id}:${job.state}`;
  return key;
}

/** The schedules, listed again whenever one of their runs is queued, starts or ends. */
export function useSchedules(): SchedulesState {
  const key = useSyncExternalStore(jobs.subscribe, runsKey);
  useEffect(() => {
    if (key.startsWith('live')) void refreshSchedules();
  }, [key]);
  return useSyncExternalStore(subscribe, () => state);
}
