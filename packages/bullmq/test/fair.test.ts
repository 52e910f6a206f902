// Jobs share the items queue fairly: a job keeps at most a window of its items
// queued, so one started behind a long job runs before the long one ends, and a
// cancelled job's waiting chunks leave the queue with the cancel.
import { until } from '@threadline/testing';
import { describe, expect, it } from 'vitest';
import { deployment, follow, ofType, onCleanup } from './helpers.js';

async function fairDeployment() {
  const { client, worker, items } = await deployment();
  /** The job's chunks waiting on the items queue. */
  const waiting = async (jobId: string) =>
    (await items.getRanges(['wait', 'prioritized'], 0, -1)).filter((id) => id.startsWith(`${jobId}-`)).length;
  return { client, worker, waiting };
}

describe('jobs sharing the items queue', () => {
  it('runs a small job started behind a long one while the long one still runs', async () => {
    const { client, waiting } = await fairDeployment();
    const long = await client.start('test.sleep', { items: 30_000, ms: 0 });
    onCleanup(() => client.cancel(long.id, { force: true }).then(() => {}));
    await until(async () => ((await client.get(long.id))?.items.succeeded ?? 0) > 0, 'the long job running');
    // No more than a window of it is queued ahead of what comes next.
    expect(await waiting(long.id)).toBeLessThanOrEqual(2048);
    const small = await client.start('test.sleep', { items: 10, ms: 1 });
    const finished = ofType(await follow(client, small.id), 'finished')[0]!;
    expect(finished.state).toBe('succeeded');
    const meanwhile = (await client.get(long.id))!;
    expect(meanwhile.state).toBe('running');
    expect(meanwhile.items.succeeded).toBeLessThan(15_000);
  });

  it("removes a cancelled job's waiting chunks from the queue with the cancel", async () => {
    const { client, worker, waiting } = await fairDeployment();
    // Both threads are taken for a long while: nothing else leaves the queue meanwhile.
    const busy = await client.start('test.sleep', { items: 2, ms: 60_000 });
    onCleanup(() => client.cancel(busy.id, { force: true }).then(() => {}));
    await until(() => worker.pool.busyCount === 2, 'both threads busy', 20_000);
    const queued = await client.start('test.sleep', { items: 100, ms: 1 });
    await until(async () => (await client.get(queued.id))?.items.total === 100, 'its 100 items enumerated');
    expect(await waiting(queued.id)).toBeGreaterThan(0);
    // Enumerated, none of its items running: it reads queued.
    expect((await client.get(queued.id))!).toMatchObject({ state: 'queued', startedAt: null });
    const cancelled = await client.cancel(queued.id);
    expect(await waiting(queued.id)).toBe(0);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.items).toEqual({ total: 100, succeeded: 0, failed: 0, cancelled: 100 });
  });

  it('keeps a job queued while its chunks wait behind busy threads, and starts it as its first item runs', async () => {
    const { client, worker } = await fairDeployment();
    const busy = await client.start('test.sleep', { items: 2, ms: 2_000 });
    await until(() => worker.pool.busyCount === 2, 'both threads busy', 20_000);
    const next = await client.start('test.sleep', { items: 3, ms: 1 });
    await until(async () => (await client.get(next.id))?.items.total === 3, 'its 3 items enumerated');
    expect((await client.get(next.id))!.state).toBe('queued');
    const events = await follow(client, next.id);
    const types = events.map((e) => e.type).filter((t) => t !== 'progress' && t !== 'log');
    // Its three chunks' successes: one `items` event per record call (chunks ending together share one).
    expect(types.slice(0, 2)).toEqual(['queued', 'started']);
    expect(types.at(-1)).toBe('finished');
    expect(new Set(types.slice(2, -1))).toEqual(new Set(['items']));
    const started = (await client.get(next.id))!;
    expect(started.state).toBe('succeeded');
    // It started once a thread was free: after the busy job's 2-second items ended.
    expect(started.startedAt!).toBeGreaterThanOrEqual((await client.get(busy.id))!.startedAt! + 2_000);
  });
});
