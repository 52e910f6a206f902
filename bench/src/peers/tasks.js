// The peers' worker module (piscina and tinypool both call a named export).
import { now } from '../jobs/clock.js';
import { step } from '../jobs/work.js';

/** The tiny item: the same work as bench.tiny's process. */
export default function tiny(n) {
  return n * 2;
}

/** A loop that never checks for cancellation: only terminating its worker stops it. */
export function spin() {
  let h = 2166136261;
  for (let i = 0; ; i++) h = step(h, i);
}

/** The loop with progress sent as one postMessage per iteration: what a pool without shared progress leaves you. */
export function progressByMessage({ iterations, port }) {
  const rssBefore = process.memoryUsage.rss();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = now();
  let h = 2166136261;
  for (let i = 0; i < iterations; i++) {
    h = step(h, i);
    port.postMessage(i);
  }
  const ms = now() - started;
  const result = {
    h,
    ms,
    heapDelta: process.memoryUsage().heapUsed - heapBefore,
    rssDelta: process.memoryUsage.rss() - rssBefore,
  };

  return result;
}

/** The plain loop, measured the same way, in the peer's worker. */
export function plainLoop({ iterations }) {
  const started = now();
  let h = 2166136261;
  for (let i = 0; i < iterations; i++) h = step(h, i);
  return { h, ms: now() - started };
}
