// One URL per job: /jobs/<id> opens its details. The server answers every path
// that is not an asset with the page, so a reload or a shared link lands here.
import { useSyncExternalStore } from 'react';

/** Dispatched on window after the page itself pushes or replaces an address. */
export const NAVIGATED = 'threadline:navigate';

/** Calls `listener` when the address changes: back, forward, or the page's own step. */
export const subscribeToAddress = (listener: () => void) => {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATED, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATED, listener);
  };
};

const pathname = () => window.location.pathname;

/** The job the address names, if any. */
export function jobIdOf(path: string): string | undefined {
  const match = /^\/jobs\/([^/]+)\/?$/.exec(path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

export const jobPath = (id: string | undefined) =>
  id === undefined ? '/' : `/jobs/${encodeURIComponent(id)}`;

/** The selected job, kept in the address bar; back and forward move between jobs. */
export function useSelectedJob(): [string | undefined, (id: string | undefined) => void] {
  const path = useSyncExternalStore(subscribeToAddress, pathname);
  const select = (id: string | undefined) => {
    const next = jobPath(id);
    if (next === window.location.pathname) return;
    window.history.pushState(null, '', next + window.location.search);
    window.dispatchEvent(new Event(NAVIGATED));
  };
  return [jobIdOf(path), select];
}
