// The job every backend runs for the contract: n items that each take `ms`,
// some failing (for good, or until a file appears), a log line (or many), a CPU
// loop that never checks for cancel, an items() that can throw before it yields
// anything, and a mark per item that succeeded, so a test sees what ran.
import { appendFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineJob, z } from '@threadline/core/job';

export default defineJob({
  name: 'contract.count',
  title: 'Count (contract)',
  unit: 'items',
  input: z.object({
    n: z.number().int().min(0).describe('How many items'),
    ms: z.number().int().min(0).default(0),
    failOn: z.array(z.number().int()).default([]),
    /** The failOn items fail only while this file does not exist: once it does, a resume can succeed. */
    failUntil: z.string().optional(),
    /** Each item that succeeds appends a line to `<markDir>/<index>`: how often it ran to success. */
    markDir: z.string().optional(),
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
    const fixed = input.failUntil !== undefined && existsSync(input.failUntil);
    if (input.failOn.includes(i) && !fixed) throw new Error(`item ${i} fails on purpose`);
    if (input.markDir !== undefined) appendFileSync(join(input.markDir, String(i)), 'succeeded\n');
    return i * 2;
  },
  summarize: (doubled: number[]) => ({ sum: doubled.reduce((a, b) => a + b, 0) }),
});
