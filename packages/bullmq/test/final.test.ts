// Every job reaches a final state: a chunk that fails for good fails its items
// with the reason, and a cancel ends cancelled, also when Redis is at maxmemory
// and refuses every write but the few steps that end a job.
import { ThreadlineError } from '@threadline/core';
import { until } from '@threadline/testing';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { type BullmqWorker, createBullmqClient, runBullmqWorker } from '../src/index.js';
import { follow, ofType, onCleanup, registry, startRedis } from './helpers.js';

async function deployment() {
  const redis = await startRedis();
  const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
  onCleanup(() => admin.disconnect());
  const client = await createBullmqClient({ connection: redis.url, registry });
  onCleanup(() => client.close());
  const warnings: string[] = [];
  const worker = await runBullmqWorker({
    connection: redis.url,
    registry,
    concurrency: 2,
    tickMs: 50,
    graceMs: 500,
    log: (message) => warnings.push(message),
  });
  onCleanup(() => worker.close());
  // Runs before the closes above: Redis takes writes again, so the worker can stop.
  onCleanup(() => admin.config('SET', 'maxmemory', '0').then(() => {}));
  /** Redis refuses every write that would use memory from now on (its used memory is far over this). */
  const fill = () => admin.config('SET', 'maxmemory', '1').then(() => {});
  return { redis, admin, client, worker, warnings, fill };
}

/** Both threads of `worker` are running an item. */
const bothBusy = (worker: BullmqWorker) =>
  until(() => worker.pool.busyCount === 2, 'both threads busy', 20_000);

describe('a job whose Redis is at maxmemory', () => {
  it('ends failed, its running items failed saying Redis is out of memory, the rest cancelled', async () => {
    const { client, worker, fill } = await deployment();
    const job = await client.start('test.sleep', { items: 20, ms: 300 });
    await bothBusy(worker);
    await fill();
    const events = await follow(client, job.id);
    const finished = ofType(events, 'finished')[0]!;
    expect(finished.state).toBe('failed');
    expect(finished.error?.code).toBe('REDIS_OUT_OF_MEMORY');
    expect(finished.error?.message).toMatch(/^Redis is out of memory .*maxmemory/);
    const { items } = finished;
    expect(items.total).toBe(20);
    expect(items.failed).toBeGreaterThanOrEqual(2);
    expect(items.succeeded + items.failed + items.cancelled).toBe(20);
    const failed = ofType(events, 'item').filter((e) => e.outcome === 'failed');
    expect(failed.every((e) => e.error?.code === 'REDIS_OUT_OF_MEMORY')).toBe(true);
    expect((await client.get(job.id))!.state).toBe('failed');
  });

  it('ends cancelled on a cancel, with or without force', async () => {
    const { client, worker, fill } = await deployment();
    const gentle = await client.start('test.sleep', { items: 1, ms: 30_000 });
    const forced = await client.start('test.sleep', { items: 1, ms: 30_000, cpu: true });
    await bothBusy(worker);
    await fill();
    await client.cancel(gentle.id);
    await client.cancel(forced.id, { force: true });
    for (const id of [gentle.id, forced.id]) {
      const finished = ofType(await follow(client, id), 'finished')[0]!;
      expect(finished.state).toBe('cancelled');
    }
  });

  it('refuses a new job with an error that says so', async () => {
    const { client, fill } = await deployment();
    await fill();
    const start = client.start('test.sleep', { items: 1 });
    await expect(start).rejects.toBeInstanceOf(ThreadlineError);
    await expect(start).rejects.toMatchObject({ code: 'REDIS_OUT_OF_MEMORY' });
  });
});

describe('cancel with force', () => {
  it('ends the job cancelled at once, though no worker records its items', async () => {
    const { client, worker } = await deployment();
    const job = await client.start('test.sleep', { items: 4, ms: 30_000, cpu: true });
    await bothBusy(worker);
    const cancelled = await client.cancel(job.id, { force: true });
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.items).toEqual({ total: 4, succeeded: 0, failed: 0, cancelled: 4 });
    // Its threads are terminated as the worker hears the cancel: both are free again.
    await until(() => worker.pool.busyCount === 0, 'both threads free', 10_000);
  });
});

describe('a worker starting', () => {
  it('warns when Redis may evict keys, and not when its policy is noeviction', async () => {
    const { redis, admin, warnings } = await deployment();
    expect(warnings.filter((w) => /maxmemory-policy/.test(w))).toEqual([]);
    await admin.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const seen: string[] = [];
    const second = await runBullmqWorker({ connection: redis.url, registry, log: (m) => seen.push(m) });
    onCleanup(() => second.close());
    expect(seen).toEqual([
      expect.stringMatching(/maxmemory-policy allkeys-lru.*set maxmemory-policy noeviction/),
    ]);
  });
});
