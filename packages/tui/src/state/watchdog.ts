// Noticing a server that stops answering. The tRPC client keeps its event
// stream open and reopens it by itself, so a dead server only makes the stream
// quiet, and the view would stay "live" with frozen rows. While the stream is
// quiet, the server is asked for one job every `probeMs`; a probe that fails or
// goes unanswered ends the stream with its error, and the jobs view's own retry
// (core's jobsView: 'reconnecting', its backoff, resuming from the last event)
// takes over from there. Nothing here retries.
import type { EventsOptions, JobClient, JobEvent } from '@threadline/core/client';

export interface WatchdogOptions {
  /** Quiet time on the stream before the server is asked whether it is there; default 2000 ms. */
  probeMs?: number;
  /** A probe unanswered after this long counts as failed; default 3000 ms. */
  timeoutMs?: number;
}

/** `client` with an `events()` that ends in an error once the server stops answering. */
export function watchedClient(client: JobClient, options: WatchdogOptions = {}): JobClient {
  const probeMs = options.probeMs ?? 2000;
  const timeoutMs = options.timeoutMs ?? 3000;
  const probe = () =>
    within(client.list({ limit: 1 }), timeoutMs, `the server did not answer in ${timeoutMs / 1000} s`);
  const events = (eventsOptions?: EventsOptions) => watched(client.events(eventsOptions), probe, probeMs);
  // A proxy, not a spread: a client may be a class whose methods live on its prototype.
  return new Proxy(client, {
    get(target, property) {
      if (property === 'events') return events;
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function* watched(
  events: AsyncIterable<JobEvent>,
  probe: () => Promise<unknown>,
  probeMs: number,
): AsyncGenerator<JobEvent> {
  const iterator = events[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = iterator.next();
      // Read later, or never when a probe fails first.
      next.catch(() => {});
      for (;;) {
        const got: IteratorResult<JobEvent> | typeof QUIET = await within(next, probeMs, null).catch(
          (reason: unknown) => {
            if (reason === QUIET) return QUIET;
            throw reason;
          },
        );
        if (got === QUIET) {
          await probe();
          continue;
        }
        if (got.done) return;
        yield got.value;
        break;
      }
    }
  } finally {
    // Not awaited: the stream may be waiting inside (for a server that is gone), and only ends
    // once the jobs view, told of the failure by this throw, aborts the attempt's signal.
    iterator.return?.()?.catch(() => {});
  }
}

const QUIET = Symbol('quiet');

/** `promise`, or a rejection after `ms`: with `message`, an Error; with null, QUIET. */
function within<T>(promise: Promise<T>, ms: number, message: string | null): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(message === null ? QUIET : new Error(message)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (reason: unknown) => {
        clearTimeout(timer);
        reject(reason);
      },
    );
  });
}
