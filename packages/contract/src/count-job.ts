// The job every backend runs for the contract: n items that each take `ms`,
// some failing, a log line (or many), a CPU loop that never checks for cancel, and an
// items() that can throw before it yields anything.
import { defineJob, z } from '@threadline/core/job';

export default defineJob({
  name: 'contract.count',
  title: 'Count (contract)',
  unit: 'items',
  input: z.object({
    n: z.number().int().min(0).describe('How many items'),
    ms: z.number().int().min(0).default(0),
    failOn: z.array(z.number().int()).default([]),
    /** Busy-spin this long without ever checking for cancellation: only force (or the grace) ends it. */
    spinMs: z.number().int().min(0).default(0),
    /** Item 0 logs this many more lines (`line 0`, `line 1`…) after its first. */
    logLines: z.number().int().min(0).default(0),
    /** items() throws at once, before it returns anything to iterate. */
    itemsThrow: z.boolean().default(false),
  }),
  items(input) {
    if (input.itemsThrow) throw new Error('cannot list the items');
    return (function* () {
      for (let i = 0; i < input.n; i++) yield i;
    })();
  },
  async process(i: number, ctx, input) {
    if (i === 0) {
      ctx.log('info', `counting to ${input.n}`);
      for (let line = 0; line < input.logLines; line++) ctx.log('info', `line ${line}`);
    }
    if (input.spinMs > 0) {
      const end = Date.now() + input.spinMs;
      while (Date.now() < end) ctx.progress(0, 1);
    }
    if (input.ms > 0) await new Promise((resolve) => setTimeout(resolve, input.ms));
    ctx.throwIfCancelled();
    if (input.failOn.includes(i)) throw new Error(`item ${i} fails on purpose`);
    return i * 2;
  },
  summarize: (doubled: number[]) => ({ sum: doubled.reduce((a, b) => a + b, 0) }),
});
