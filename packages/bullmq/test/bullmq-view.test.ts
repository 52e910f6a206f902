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

  it('ends each chunk with its own outcome when short chunks of a job go to a thread together', async () => {
    // One thread and no-op items: chunks run short, so those waiting for the thread ride along on
    // another's (one message, one batch); each must still end with its own items' outcomes.
    const { client, items } = await deployment({ worker: { concurrency: 1 } });
    const job = await client.start('test.sleep', { items: 3000, ms: 0, failEvery: 1000 });
    const events = await follow(client, job.id);
    expect(events.at(-1)).toMatchObject({ type: 'finished', state: 'partial' });
    const failed = await items.getFailed(0, -1);
    const reasons = failed.map((c) => c.failedReason);
    expect(reasons.map((r) => Number(/^1 of \d+ items failed: item (\d+)\b/.exec(r)?.[1])).sort()).toEqual([
      1000, 2000, 3000,
    ]);
    for (const chunk of failed) {
      const n = Number(/item (\d+)/.exec(chunk.failedReason)![1]);
      expect(n - 1).toBeGreaterThanOrEqual(chunk.data.start);
      expect(n - 1).toBeLessThan(chunk.data.start + chunk.data.items.length);
    }
    const completed = await items.getCompleted(0, -1);
    const succeeded = completed.reduce(
      (sum, c) => sum + (c.returnvalue as { succeeded: number }).succeeded,
      0,
    );
    expect(succeeded + failed.reduce((sum, c) => sum + c.data.items.length - 1, 0)).toBe(2997);
    for (const chunk of completed)
      expect(chunk.returnvalue).toMatchObject({ items: chunk.data.items.length, failed: 0 });
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
