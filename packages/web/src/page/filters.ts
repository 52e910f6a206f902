// The history's filters, kept in the address (`/?state=failed&name=files.index&q=…`),
// so a search can be linked, reloaded, and left and come back to with back and
// forward. The path stays the router's: a job opened keeps the filters.
import { JOB_STATES, type JobQuery, type JobState } from '@threadline/core/client';
import { useSyncExternalStore } from 'react';
import { NAVIGATED, subscribeToAddress } from './router';

export interface Filters {
  state: JobState | 'all';
  name: string;
  q: string;
  /** Days, as `<input type="date">` gives them (YYYY-MM-DD, local time); both included. */
  from: string;
  to: string;
}

const KEYS = ['state', 'name', 'q', 'from', 'to'] as const;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function filtersOf(search: string): Filters {
  const params = new URLSearchParams(search);
  const state = params.get('state') ?? '';
  const day = (key: string) => {
    const value = params.get(key) ?? '';
    return DAY.test(value) ? value : '';
  };
  return {
    state: (JOB_STATES as readonly string[]).includes(state) ? (state as JobState) : 'all',
    name: params.get('name') ?? '',
    q: params.get('q') ?? '',
    from: day('from'),
    to: day('to'),
  };
}

/** The address's query for these filters; others' parameters (a token) are kept. */
export function searchOf(filters: Filters, current = window.location.search): string {
  const params = new URLSearchParams(current);
  for (const key of KEYS) {
    const value = filters[key];
    if (value === '' || value === 'all') params.delete(key);
    else params.set(key, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What the filters ask the server for; a day is local midnight to the next. */
export function queryOf(filters: Filters): JobQuery {
  const midnight = (day: string) => new Date(`${day}T00:00:00`).getTime();
  return {
    ...(filters.state === 'all' ? {} : { state: filters.state }),
    ...(filters.name ? { name: filters.name } : {}),
    ...(filters.q.trim() ? { text: filters.q.trim() } : {}),
    ...(filters.from ? { createdFrom: midnight(filters.from) } : {}),
    ...(filters.to ? { createdTo: midnight(filters.to) + 86_400_000 } : {}),
  };
}

let cached: { search: string; filters: Filters } | undefined;
const current = (): Filters => {
  const search = window.location.search;
  if (cached?.search !== search) cached = { search, filters: filtersOf(search) };
  return cached.filters;
};

/**
 * The filters and a way to change them. A new tab, job or date is a step of its own in the
 * history; typing in the search box replaces the step it is on, so back is not one per key.
 */
export function useFilters(): [Filters, (change: Partial<Filters>, options?: { replace?: boolean }) => void] {
  const filters = useSyncExternalStore(subscribeToAddress, current);
  const change = (next: Partial<Filters>, options: { replace?: boolean } = {}) => {
    const search = searchOf({ ...current(), ...next });
    if (search === window.location.search) return;
    const url = window.location.pathname + search;
    if (options.replace) window.history.replaceState(null, '', url);
    else window.history.pushState(null, '', url);
    window.dispatchEvent(new Event(NAVIGATED));
  };
  return [filters, change];
}
