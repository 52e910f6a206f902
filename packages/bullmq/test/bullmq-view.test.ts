// What BullMQ's own tools (bull-board, Taskforce.sh, Queue.getJob) see of a
// Threadline job: each chunk's progress while it runs, and its end: completed
// with the counts of its items, or failed with its failed items' reasons.
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { deployment, follow } from './helpers.js';

describe("BullMQ's view of a job's chunks", () => {
  it('ends a chunk completed with its counts, or failed with its items’ reasons', async () => {
    const { client, items } = await deployment();
    const job = await client.start('test.sleep', { items: 8, ms: 5, failEvery: 4 });
    await follow(client, job.id);
    // The first items of a job go one per chunk, so chunk <job>-3 holds the 4th item alone.
    const ok = (await items.getJob(`${job.id}-0`))!;
    expect(await ok.getState()).toBe('completed');
    expect(ok.returnvalue).toEqual({ items: 1, succeeded: 1, failed: 0, cancelled: 0 });
    const bad = (await items.getJob(`${job.id}-3`))!;
    expect(await bad.getState()).toBe('failed');
    expect(bad.failedReason).toMatch(/^1 of 1 items failed: item 4\b.*: item 4 failed$/);
    // Not retried: its outcome is recorded, and running it again would change nothing.
    expect(bad.attemptsMade).toBe(1);
    const counts = await items.getJobCounts('completed', 'failed');
    expect(counts).toEqual({ completed: 6, failed: 2 });
  });

  it("shows a running chunk's progress through updateProgress", async () => {
    const { client, items } = await deployment();
    const job = await client.start('test.sleep', { items: 1, ms: 3000 });
    const chunk = await until(
      async () => {
        const found = await items.getJob(`${job.id}-0`);
        return found && typeof found.progress === 'number' && found.progress > 0 ? found : null;
      },
      'the chunk to report progress',
      20_000,
    );
    expect(chunk.progress).toBeLessThan(100);
    await client.cancel(job.id, { force: true });
  });
});
