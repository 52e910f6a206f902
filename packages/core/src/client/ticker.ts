// The clock a countdown reads ("in 42s"): one timer for every reader, running
// only while one listens. `subscribe` and `now` are what React's
// useSyncExternalStore takes, so a UI's hook is a line; nothing here needs React.

export interface Ticker {
  /** Calls `listener` every period until the returned function is called. */
  subscribe(listener: () => void): () => void;
  /** The time of the latest tick (of the subscription, at the latest): the same value between ticks. */
  now(): number;
}

export function createTicker(periodMs: number): Ticker {
  const listeners = new Set<() => void>();
  let now = Date.now();
  let timer: ReturnType<typeof setInterval> | undefined;
  const tick = () => {
    now = Date.now();
    for (const listener of listeners) listener();
  };
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (timer === undefined) {
        // A clock that stopped a while ago is stale: a new reader sees the time now, not then.
        now = Date.now();
        timer = setInterval(tick, periodMs);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer !== undefined) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    now: () => now,
  };
}
