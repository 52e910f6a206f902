// How long to wait before the next try of something that failed: doubling
// from `firstMs` to at most `maxMs`. The one backoff of every package (the
// event streams, the page's loads, the watcher's claims).

export interface Backoff {
  /** The wait before the first retry. */
  firstMs: number;
  /** No wait is longer than this. */
  maxMs: number;
}

/** The wait before retry number `retry` (0 for the first). */
export function backoffMs(retry: number, { firstMs, maxMs }: Backoff): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, retry));
}
