// One long CPU loop (a job with no items: `run`), in the variants the CPU
// measures compare:
//   variant: 'plain' (no progress), 'progress' (ctx.progress(i, n) every
//            iteration), or 'paired': both, alternating in chunks, so drift on
//            a shared machine falls on both alike;
//   check:   ctx.throwIfCancelled() every iteration ('sync'), or never ('never', to be killed).
// It reports on a BroadcastChannel when the loop is entered and when a cancel
// stopped it, with absolute timestamps comparable across threads.
import { BroadcastChannel } from 'node:worker_threads';
import { CancelledError, defineJob, z } from '@threadline/core/job';
import { clockName, now } from './clock.js';
import { step } from './work.js';

export const CHANNEL = 'threadline-bench-loop';

function plain(from, to, h) {
  for (let i = from; i < to; i++) h = step(h, i);
  return h;
}

function withProgress(from, to, total, ctx, h) {
  for (let i = from; i < to; i++) {
    h = step(h, i);
    ctx.progress(i, total);
  }
  return h;
}

/** Both loops over the same iterations, alternating chunk by chunk (and which goes first). */
function paired(n, chunk, ctx) {
  let h = 2166136261;
  let plainMs = 0;
  let progressMs = 0;
  for (let from = 0, k = 0; from < n; from += chunk, k++) {
    const to = Math.min(n, from + chunk);
    for (const first of k % 2 ? [true, false] : [false, true]) {
      const started = now();
      h = first ? withProgress(from, to, n, ctx, h) : plain(from, to, h);
      if (first) progressMs += now() - started;
      else plainMs += now() - started;
    }
  }
  return { h, plainMs, progressMs, clock: clockName };
}

function checked(n, ctx) {
  let h = 2166136261;
  for (let i = 0; i < n; i++) {
    h = step(h, i);
    ctx.progress(i, n);
    ctx.throwIfCancelled();
  }
  return h;
}

export default defineJob({
  name: 'bench.loop',
  title: 'CPU loop',
  input: z.object({
    iterations: z.number().int().min(1),
    variant: z.enum(['plain', 'progress', 'paired']).default('plain'),
    chunk: z.number().int().min(1).default(50_000),
    check: z.enum(['none', 'sync', 'never']).default('none'),
    tag: z.string().default(''),
  }),
  run: (input, ctx) => {
    const channel = new BroadcastChannel(CHANNEL);
    const at = () => performance.timeOrigin + performance.now();
    try {
      if (input.check === 'never') {
        channel.postMessage({ tag: input.tag, event: 'entered', at: at() });
        // Never checks: only terminating the worker stops it.
        let h = 2166136261;
        for (let i = 0; ; i++) h = step(h, i);
      }
      if (input.check === 'sync') {
        channel.postMessage({ tag: input.tag, event: 'entered', at: at() });
        try {
          return { h: checked(input.iterations, ctx) };
        } catch (error) {
          if (error instanceof CancelledError)
            channel.postMessage({ tag: input.tag, event: 'stopped', at: at() });
          throw error;
        }
      }
      if (input.variant === 'paired') return paired(input.iterations, input.chunk, ctx);
      const n = input.iterations;
      const heapBefore = process.memoryUsage().heapUsed;
      const rssBefore = process.memoryUsage.rss();
      const started = now();
      const h =
        input.variant === 'progress' ? withProgress(0, n, n, ctx, 2166136261) : plain(0, n, 2166136261);
      const ms = now() - started;
      return {
        h,
        ms,
        clock: clockName,
        heapDelta: process.memoryUsage().heapUsed - heapBefore,
        rssDelta: process.memoryUsage.rss() - rssBefore,
      };
    } finally {
      channel.close();
    }
  },
});
