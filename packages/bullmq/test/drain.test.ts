// A worker that stops: its running chunks get drainMs to finish and be recorded;
// past it they are stopped and put back on the queue at once, where another
// worker runs their items, nothing of them recorded twice.
import { join } from 'node:path';
import { until } from '@threadline/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type BullmqWorker, createBullmqClient, runBullmqWorker } from '../src/index.js';
import { keys } from '../src/store/keys.js';
import { completions, follow, ofType, onCleanup, registry, startRedis, tempDir } from './helpers.js';

async function deployment() {
  const redis = await startRedis();
  const client = await createBullmqClient({ connection: redis.url, registry });
  onCleanup(() => client.close());
  const worker = async () => {
    const started = await runBullmqWorker({ connection: redis.url, registry, concurrency: 2, tickMs: 50 });
    onCleanup(() => started.close());
    return started;
  };
  return { redis, client, worker, markFile: join(tempDir(), 'done.log') };
}

/** Chunks of the deployment's items queue that a worker holds, and those waiting for one. */
async function chunkCounts(url: string): Promise<{ active: number; waiting: number }> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('items', { connection: redis, prefix: keys().bullPrefix });
  try {
    const counts = await queue.getJobCounts('active', 'waiting', 'prioritized');
    return { active: counts.active ?? 0, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0) };
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

/** Both threads of `worker` are running an item. */
const bothBusy = (worker: BullmqWorker) =>
  until(() => worker.pool.busyCount === 2, 'both threads busy', 20_000);

describe('a worker that stops', () => {
  it('lets its running chunks finish and records them; another worker runs the rest', async () => {
    const { client, worker, markFile } = await deployment();
    const first = await worker();
    const job = await client.start('test.sleep', { items: 6, ms: 500, markFile });
    await bothBusy(first);
    let running = -1;
    const report = await first.shutdown({
      drainMs: 20_000,
      onDrain: (n) => {
        running = n;
      },
    });
    expect(running).toBe(2);
    expect(report).toEqual({ finished: 2, handedBack: 0 });
    expect((await client.get(job.id))!.items.succeeded).toBe(2);

    await worker();
    const finished = ofType(await follow(client, job.id), 'finished')[0]!;
    expect(finished.state).toBe('succeeded');
    expect(finished.items).toEqual({ total: 6, succeeded: 6, failed: 0, cancelled: 0 });
    expect(
      completions(markFile)
        .map((c) => c.index)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('past drainMs, stops its running chunks and puts them back on the queue at once, recording nothing of them', async () => {
    const { redis, client, worker, markFile } = await deployment();
    const first = await worker();
    const job = await client.start('test.sleep', { items: 4, ms: 3000, markFile });
    await bothBusy(first);
    const report = await first.shutdown({ drainMs: 100 });
    expect(report).toEqual({ finished: 0, handedBack: 2 });
    // Waiting again now, not held until their locks expire and a stall check moves them.
    expect(await chunkCounts(redis.url)).toEqual({ active: 0, waiting: 4 });
    const stopped = (await client.get(job.id))!;
    expect(stopped.state).toBe('running');
    expect(stopped.items).toMatchObject({ succeeded: 0, failed: 0, cancelled: 0 });
    expect(completions(markFile)).toEqual([]);

    await worker();
    const events = await follow(client, job.id);
    expect(ofType(events, 'finished')[0]!.items).toEqual({ total: 4, succeeded: 4, failed: 0, cancelled: 0 });
    // Each item ran to completion once: the stopped ones never did.
    expect(
      completions(markFile)
        .map((c) => c.index)
        .sort(),
    ).toEqual([0, 1, 2, 3]);
    expect(ofType(events, 'item').filter((e) => e.outcome !== 'succeeded')).toEqual([]);
  });

  it('hands its chunks back at once when shutdown is called again with drainMs 0', async () => {
    const { redis, client, worker } = await deployment();
    const first = await worker();
    await client.start('test.sleep', { items: 2, ms: 600_000 });
    await bothBusy(first);
    let draining = false;
    const stopping = first.shutdown({
      drainMs: 600_000,
      onDrain: () => {
        draining = true;
      },
    });
    await until(() => draining, 'the drain to start');
    const again = first.shutdown({ drainMs: 0 });
    expect(await stopping).toEqual({ finished: 0, handedBack: 2 });
    expect(await again).toEqual({ finished: 0, handedBack: 2 });
    expect(await chunkCounts(redis.url)).toEqual({ active: 0, waiting: 2 });
    expect(first.pool.busyCount).toBe(0);
  });
});
