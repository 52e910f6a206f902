import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` every 25 ms until it returns something truthy, and returns that; fails after
 * `timeoutMs` saying what was awaited (`what` may be a function, to describe the state then).
 */
export async function until<T>(
  probe: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  what: string | (() => string),
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await sleep(25);
  }
}

/** Reads events until `done` matches one (by default a `finished` event); fails after `timeoutMs` or if they end first. */
export async function collect<E extends { type: string }>(
  events: AsyncIterable<E>,
  done: (event: E) => boolean = (e) => e.type === 'finished',
  timeoutMs = 20_000,
): Promise<E[]> {
  const seen: E[] = [];
  const types = () => seen.map((e) => e.type).join(',');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out; saw ${types()}`)), timeoutMs);
  });
  const read = (async () => {
    for await (const event of events) {
      seen.push(event);
      if (done(event)) return seen;
    }
    throw new Error(`stream ended; saw ${types()}`);
  })();
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
