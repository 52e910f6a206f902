// An example job: counts to `to`, one item per number, each taking `ms`.
// Items run on worker threads; progress and cancellation work inside an item too.
import { setTimeout as sleep } from 'node:timers/promises';
import { defineJob, z } from 'threadline/job';

export default defineJob({
  name: 'example.count',
  title: 'Count (example)',
  description: 'Counts to a number, slowly. Edit jobs/count.ts to make it yours.',
  input: z.object({
    to: z.number().int().min(1).max(100_000).default(20).describe('How far to count'),
    ms: z.number().int().min(0).max(60_000).default(250).describe('Milliseconds of work per number'),
  }),
  unit: 'numbers',
  items: (input) => Array.from({ length: input.to }, (_, i) => i + 1),
  process: async (n: number, ctx, input) => {
    const steps = 10;
    for (let step = 0; step < steps; step++) {
      ctx.throwIfCancelled(); // a cancelled job stops here (synchronous: works in CPU loops too)
      ctx.progress(step, steps); // a store into shared memory: cheap enough for any loop
      await sleep(input.ms / steps, undefined, { signal: ctx.signal });
    }
    return n * n;
  },
  summarize: (squares: number[]) => ({ sumOfSquares: squares.reduce((sum, x) => sum + x, 0) }),
});
