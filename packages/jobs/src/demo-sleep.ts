// demo.sleep: items that only take time, to watch progress, failures and
// cancellation without real work. `cpu` spins without ever checking for
// cancellation, which only terminating the worker can stop (the hard-kill path).
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, z } from '@threadline/core/job';

const input = z.object({
  items: z.number().int().min(1).max(1_000_000).default(20).describe('Number of items'),
  ms: z.number().int().min(0).max(3_600_000).default(250).describe('Milliseconds each item takes'),
  failEvery: z.number().int().min(0).default(0).describe('Make every Nth item fail (0: none fail)'),
  cpu: z.boolean().default(false).describe('Busy-spin instead of sleeping, never checking for cancellation'),
});
type Input = z.infer<typeof input>;

/** Progress is reported this often within an item, so a long item still moves the bar. */
const TICK_MS = 50;

export default defineJob({
  name: 'demo.sleep',
  title: 'Sleep (demo)',
  description: 'Items that just take time: for trying out progress, failures and cancellation.',
  input,
  unit: 'items',
  // Items are numbered from 1, as people count them: its label and its messages say the same number.
  *items(options: Input) {
    for (let n = 1; n <= options.items; n++) yield n;
  },
  process: async (n: number, ctx, options: Input) => {
    if (options.cpu) spin(options.ms, ctx.progress);
    else {
      for (let slept = 0; slept < options.ms; slept += TICK_MS) {
        ctx.progress(slept, options.ms);
        await sleep(Math.min(TICK_MS, options.ms - slept), undefined, { signal: ctx.signal });
      }
    }
    if (options.failEvery > 0 && n % options.failEvery === 0) {
      throw new Error(`item ${n} failed on purpose (failEvery: ${options.failEvery})`);
    }
    return options.ms;
  },
  summarize: (results, { total, succeeded, failed, cancelled }) => ({
    total,
    succeeded,
    failed,
    cancelled,
    sleptMs: results.reduce((sum, ms) => sum + ms, 0),
  }),
});

/** Burns CPU for `ms`. Deliberately never awaits and never calls throwIfCancelled(). */
function spin(ms: number, progress: (done: number, total?: number) => void): void {
  const start = performance.now();
  for (let elapsed = 0; elapsed < ms; elapsed = performance.now() - start) progress(elapsed, ms);
}
