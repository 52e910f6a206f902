// The store's health above the page: when the server's store refuses writes
// (a full disk, mostly), the engine holds the history in memory and starts no
// new item, and the page says so. Read from /status as the page opens and
// after the jobs view changes (a fault happens as jobs write, and ends when
// they write again), at most every 2 s: never on an idle timer.
import { useEffect, useState } from 'react';
import { jobs } from './store';

type Storage = { ok: true } | { ok: false; problem: string; reason: string };

/** Long enough after an event for the engine's tick to have tried to write it (100 ms). */
const AFTER_CHANGE_MS = 500;
const MIN_GAP_MS = 2000;

const TITLE: Record<string, string> = {
  full: 'Disk full',
  'read-only': 'Store read-only',
  corrupt: 'Store corrupt',
  unavailable: 'Store unavailable',
};

async function readStorage(): Promise<Storage | undefined> {
  try {
    const response = await fetch('/status', { headers: { accept: 'application/json' } });
    return response.ok ? ((await response.json()) as { storage: Storage }).storage : undefined;
  } catch {
    return undefined; // the connection banner says the server is away
  }
}

export function StorageBanner() {
  const [storage, setStorage] = useState<Storage>({ ok: true });
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const check = () => {
      timer = undefined;
      last = Date.now();
      void readStorage().then((read) => {
        if (read && !stopped) setStorage(read);
      });
    };
    const soon = () => {
      timer ??= setTimeout(check, Math.max(AFTER_CHANGE_MS, last + MIN_GAP_MS - Date.now()));
    };
    check();
    const unsubscribe = jobs.subscribe(soon);
    return () => {
      stopped = true;
      unsubscribe();
      clearTimeout(timer);
    };
  }, []);
  if (storage.ok) return null;
  return (
    <div className="banner fault" role="alert" data-testid="storage-fault">
      <strong>
        {TITLE[storage.reason] ?? 'Store unavailable'}: history held in memory, no new items start.
      </strong>{' '}
      {storage.problem}. Running items finish, and everything is written when the store takes writes again.
    </div>
  );
}
